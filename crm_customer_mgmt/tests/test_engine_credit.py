import pytest

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


def test_quality_is_linear_between_good_and_bad_either_way():
    assert quality(LATE, -5) == 1
    assert quality(LATE, 15) == 0.75
    assert quality(LATE, 90) == 0
    assert quality(LENGTH, 1.5) == 0.5
    assert quality(LENGTH, 10) == 1


def test_parts_add_up_to_the_score():
    result = score([LATE, LENGTH, TRUST], {"late_days": 15, "years": 1, "trust": 50})
    points = {part.key: part.points for part in result.parts}
    assert points == {"late_days": 37.5, "years": 10.0, "trust": 10.0}
    assert result.score == 57.5 == sum(points.values())
    assert not result.no_history


def test_unmeasured_factor_leaves_its_weight_to_the_others():
    result = score([LATE, LENGTH, TRUST], {"late_days": 0, "years": None, "trust": 100})
    assert [(p.key, p.max_points) for p in result.parts] == [("late_days", 71.4), ("trust", 28.6)]
    assert result.score == 100.0


def test_unmeasured_factors_are_named():
    result = score([LATE, LENGTH, TRUST], {"late_days": 0, "years": None, "trust": 100})
    assert result.left_out == ("years",)
    assert score([LATE, TRUST], {"late_days": 0, "trust": 100}).left_out == ()


def test_rounded_parts_still_sum_exactly():
    factors = [Factor(str(n), 1, good=0, bad=3) for n in range(3)]
    result = score(factors, {"0": 1, "1": 1, "2": 2})
    assert result.score == round(sum(part.points for part in result.parts), 1)


def test_no_history_is_neutral_and_labelled():
    result = score([LATE], {"late_days": 0}, has_history=False)
    assert (result.score, result.parts, result.no_history) == (NEUTRAL_SCORE, (), True)
    assert score([LATE], {"late_days": None}).no_history


def test_grades():
    grades = [(1, 90), (2, 70), (3, 0), (4, 40)]
    assert grade_for(grades, 95) == 1
    assert grade_for(grades, 70) == 2
    assert grade_for(grades, 69.9) == 4
    assert grade_for(grades, 0) == 3
    assert grade_problems([0, 40, 70, 90]) == []
    assert grade_problems([10, 40]) == ["start"]
    assert grade_problems([0, 40, 40]) == ["overlap"]
    assert grade_problems([0, 140]) == ["range"]


@pytest.mark.parametrize(
    ("factor", "monthly", "expected"),
    [(2, 12345, 24700), (0.5, 999, 500), (1, 0, 0), (0, 5000, 0)],
)
def test_recommended_limit(factor, monthly, expected):
    assert recommended_limit(factor, monthly) == expected


def test_quadrant():
    assert quadrant(True, True) == "star"
    assert quadrant(True, False) == "reliable"
    assert quadrant(False, True) == "risky_growth"
    assert quadrant(False, False) == "weak"
