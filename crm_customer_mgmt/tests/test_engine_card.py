from datetime import date

from odoo.tests import BaseCase, tagged

from ..engine.card import completeness, is_stale, stale_before, weighted_score


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
