from odoo.tests import BaseCase, tagged

from ..engine.credit import (
    NEUTRAL_SCORE,
    Factor,
    grade_for,
    grade_problems,
    quadrant,
    quality,
    recommended_limit,
    score,
)

LATE = Factor("late_days", 50, good=0, bad=60)  # fewer days late is better
LENGTH = Factor("years", 30, good=3, bad=0)  # more years is better
TRUST = Factor("trust", 20, good=100, bad=0)


@tagged("post_install", "-at_install")
class TestEngineCredit(BaseCase):
    def test_quality_is_linear_between_good_and_bad_either_way(self):
        self.assertEqual(quality(LATE, -5), 1)
        self.assertEqual(quality(LATE, 15), 0.75)
        self.assertEqual(quality(LATE, 90), 0)
        self.assertEqual(quality(LENGTH, 1.5), 0.5)
        self.assertEqual(quality(LENGTH, 10), 1)

    def test_parts_add_up_to_the_score(self):
        result = score([LATE, LENGTH, TRUST], {"late_days": 15, "years": 1, "trust": 50})
        points = {part.key: part.points for part in result.parts}
        self.assertEqual(points, {"late_days": 37.5, "years": 10.0, "trust": 10.0})
        self.assertEqual(result.score, 57.5)
        self.assertEqual(result.score, sum(points.values()))
        self.assertFalse(result.no_history)

    def test_unmeasured_factor_leaves_its_weight_to_the_others(self):
        result = score([LATE, LENGTH, TRUST], {"late_days": 0, "years": None, "trust": 100})
        self.assertEqual(
            [(p.key, p.max_points) for p in result.parts], [("late_days", 71.4), ("trust", 28.6)]
        )
        self.assertEqual(result.score, 100.0)

    def test_unmeasured_factors_are_named(self):
        result = score([LATE, LENGTH, TRUST], {"late_days": 0, "years": None, "trust": 100})
        self.assertEqual(result.left_out, ("years",))
        self.assertEqual(score([LATE, TRUST], {"late_days": 0, "trust": 100}).left_out, ())

    def test_rounded_parts_still_sum_exactly(self):
        factors = [Factor(str(n), 1, good=0, bad=3) for n in range(3)]
        result = score(factors, {"0": 1, "1": 1, "2": 2})
        self.assertEqual(result.score, round(sum(part.points for part in result.parts), 1))

    def test_no_history_is_neutral_and_labelled(self):
        result = score([LATE], {"late_days": 0}, has_history=False)
        self.assertEqual(
            (result.score, result.parts, result.no_history), (NEUTRAL_SCORE, (), True)
        )
        self.assertTrue(score([LATE], {"late_days": None}).no_history)

    def test_grades(self):
        grades = [(1, 90), (2, 70), (3, 0), (4, 40)]
        self.assertEqual(grade_for(grades, 95), 1)
        self.assertEqual(grade_for(grades, 70), 2)
        self.assertEqual(grade_for(grades, 69.9), 4)
        self.assertEqual(grade_for(grades, 0), 3)
        self.assertEqual(grade_problems([0, 40, 70, 90]), [])
        self.assertEqual(grade_problems([10, 40]), ["start"])
        self.assertEqual(grade_problems([0, 40, 40]), ["overlap"])
        self.assertEqual(grade_problems([0, 140]), ["range"])

    def test_recommended_limit(self):
        for factor, monthly, expected in [
            (2, 12345, 24700),
            (0.5, 999, 500),
            (1, 0, 0),
            (0, 5000, 0),
        ]:
            with self.subTest(factor=factor, monthly=monthly):
                self.assertEqual(recommended_limit(factor, monthly), expected)

    def test_quadrant(self):
        self.assertEqual(quadrant(True, True), "star")
        self.assertEqual(quadrant(True, False), "reliable")
        self.assertEqual(quadrant(False, True), "risky_growth")
        self.assertEqual(quadrant(False, False), "weak")
