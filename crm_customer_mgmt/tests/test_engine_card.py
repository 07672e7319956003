from datetime import date, datetime

from odoo.tests import BaseCase, tagged

from ..engine.card import (
    CreditInputs,
    EvaluationLine,
    completeness,
    credit_inputs,
    is_stale,
    stale_before,
    weighted_score,
)


@tagged("post_install", "-at_install")
class TestEngineCard(BaseCase):
    def test_weighted_score_leaves_unscored_lines_out(self):
        self.assertEqual(weighted_score([(50, 80), (30, 60), (20, None)]), 72.5)

    def test_weighted_score_counts_an_explicit_zero(self):
        self.assertEqual(weighted_score([(50, 0), (30, 100)]), 37.5)

    def test_weighted_score_ignores_weightless_lines(self):
        self.assertEqual(weighted_score([(0, 100), (10, 40)]), 40)

    def test_weighted_score_with_nothing_scored_is_none(self):
        self.assertIsNone(weighted_score([(10, None), (0, 90)]))
        self.assertIsNone(weighted_score([]))

    def test_completeness_share_of_filled_fields(self):
        values = {"phone": "+86 10 1234", "email": False, "ratio": 0.0, "owner": "x"}
        self.assertEqual(completeness(values, ["phone", "email", "ratio", "owner"]), 50)
        self.assertEqual(completeness(values, ["phone", "missing"]), 50)
        self.assertEqual(completeness(values, ["phone", "email", "owner"]), 67)

    def test_completeness_of_no_field_is_full(self):
        self.assertEqual(completeness({}, []), 100)

    def test_staleness(self):
        today = date(2026, 3, 31)
        self.assertEqual(stale_before(today, 90), date(2025, 12, 31))
        self.assertTrue(is_stale(None, today, 90))
        self.assertTrue(is_stale(date(2025, 12, 30), today, 90))
        self.assertFalse(is_stale(date(2025, 12, 31), today, 90))
        self.assertFalse(is_stale(today, today, 1))


NETWORK, PROMOTION, REPUTATION = 1, 2, 3
MONDAY, TUESDAY, WEDNESDAY = (datetime(2026, 3, day, 9, 0) for day in (2, 3, 4))


def approved(criterion_id, weight, score, by, on):
    return EvaluationLine(criterion_id, weight, score, True, "Rep Wang", MONDAY, by, on)


def pending(criterion_id, weight, score, by, on):
    return EvaluationLine(criterion_id, weight, score, False, by, on, "", None)


@tagged("post_install", "-at_install")
class TestEngineCreditInputs(BaseCase):
    def test_only_approved_lines_count(self):
        lines = [
            approved(NETWORK, 50, 80, "Supervisor Li", MONDAY),
            approved(PROMOTION, 30, 60, "Supervisor Li", MONDAY),
            pending(REPUTATION, 20, 0, "Rep Wang", TUESDAY),
        ]
        inputs = credit_inputs(lines, REPUTATION)
        # (50 * 80 + 30 * 60) / 80; the pending zero would make it 58
        self.assertEqual(inputs.evaluation, 72.5)
        self.assertIsNone(inputs.reputation, "a pending reputation score does not count")

    def test_reputation_is_the_approved_reputation_line(self):
        lines = [
            approved(NETWORK, 50, 80, "Supervisor Li", MONDAY),
            approved(REPUTATION, 20, 35, "Supervisor Li", MONDAY),
        ]
        self.assertEqual(credit_inputs(lines, REPUTATION).reputation, 35)
        self.assertEqual(credit_inputs(lines, REPUTATION).evaluation, 67.14)
        self.assertIsNone(credit_inputs(lines).reputation, "no reputation criterion configured")
        self.assertIsNone(credit_inputs(lines, PROMOTION).reputation, "criterion not scored")

    def test_latest_approval_and_latest_pending_entry_are_reported(self):
        lines = [
            approved(NETWORK, 50, 80, "Supervisor Li", TUESDAY),
            approved(PROMOTION, 30, 60, "Supervisor Zhao", WEDNESDAY),
            approved(REPUTATION, 20, 70, "Supervisor Li", MONDAY),
            pending(NETWORK, 50, 90, "Rep Chen", WEDNESDAY),
            pending(PROMOTION, 30, 10, "Rep Wang", MONDAY),
        ]
        inputs = credit_inputs(lines, REPUTATION)
        self.assertEqual(inputs.approved, ("Supervisor Zhao", WEDNESDAY))
        self.assertEqual(inputs.pending, (2, "Rep Chen", WEDNESDAY))

    def test_nothing_pending_or_nothing_approved(self):
        only_approved = credit_inputs([approved(NETWORK, 50, 80, "Supervisor Li", MONDAY)])
        self.assertEqual(only_approved, CreditInputs(80.0, None, ("Supervisor Li", MONDAY), ()))
        only_pending = credit_inputs(
            [pending(REPUTATION, 20, 90, "Rep Wang", TUESDAY)], REPUTATION
        )
        self.assertEqual(only_pending, CreditInputs(None, None, (), (1, "Rep Wang", TUESDAY)))

    def test_no_lines(self):
        self.assertEqual(credit_inputs(()), CreditInputs(None, None, (), ()))
