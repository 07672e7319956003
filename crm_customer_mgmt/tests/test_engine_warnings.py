from odoo.tests import BaseCase, tagged

from ..engine.warnings import METRICS, holds, read, reading_holds

BASE = {
    "overdue_amount": 0.0,
    "overdue_days": 0,
    "days_since_last_order": 12,
    "sales": 1000.0,
    "sales_prev": 2000.0,
    "monthly_sales": [2500.0, 2000.0, 1600.0, 300.0],
    "lines": 2,
    "lines_prev": 5,
    "invoices": 4,
    "invoices_prev": 6,
    "share": 40.0,
    "share_prev": 55.0,
    "stage_fell": False,
    "limit_usage": None,
    "grade_change": False,
    "days_since_review": None,
    "completeness": 60,
    "key_contact_changes": [],
    "annual_target": 0.0,
    "year_elapsed": 0.5,
    "sales_ytd": 0.0,
    "cost_to_serve": 150.0,
    "margin_12m": 900.0,
    "cost_to_serve_12m": 1200.0,
    "days_without_contact": 12,
    "contact_cadence": 7,
    "days_known": 400,
}

# what each metric reads on the base facts: its value and its words
BASE_READINGS = {
    "overdue_amount": (0.0, "overdue 0"),
    "overdue_days": (0, "oldest overdue 0 days"),
    "days_since_last_order": (12, "last order 12 days ago"),
    "sales_change_pct": (-50.0, "sales 2,000 → 1,000 (-50.0%)"),
    "months_declining": (
        3,
        "orders fell 3 months running: 2,500 → 2,000 → 1,600 → 300; lines 5 → 2",
    ),
    "lines_dropped": (3, "product lines 5 → 2"),
    "sales": (1000.0, "sales 1,000"),
    "product_lines": (2, "2 product lines"),
    "invoice_count": (4, "4 invoices"),
    "share_of_wallet": (40.0, "share of wallet 40.0%"),
    "share_change": (-15.0, "share of wallet 55.0% → 40.0% (-15.0 points)"),
    "stage_regressed": (0, ""),
    "credit_limit_usage": (None, ""),
    "credit_downgraded": (0, ""),
    "days_since_review": (None, "card never reviewed"),
    "card_completeness": (60, "card 60% complete"),
    "days_without_contact": (12, "last contact 12 days ago"),
    "contact_gap": (5, "last contact 12 days ago, cadence 7 days (5 days late)"),
    "key_contact_changed": (0, ""),
    "target_progress_pct": (None, ""),
    "cost_to_serve_pct": (15.0, "cost to serve 150 on sales 1,000 (15.0%)"),
    "frequency_drop_pct": (33.3, "invoices 6 → 4 (33.3% fewer)"),
    "profit_12m": (-300.0, "profit -300 (margin 900, cost to serve 1,200)"),
}


def facts(**changes):
    return {**BASE, **changes}


@tagged("post_install", "-at_install")
class TestEngineWarnings(BaseCase):
    def test_every_metric_reads_the_base_facts(self):
        self.assertEqual(sorted(METRICS), sorted(BASE_READINGS))
        for key, (value, words) in BASE_READINGS.items():
            with self.subTest(metric=key):
                reading = read(key, BASE)
                self.assertEqual((reading.value, reading.words()), (value, words))

    def test_the_declining_dealer(self):
        reading = read("months_declining", BASE)
        self.assertEqual(reading.value, 3)
        self.assertEqual(
            reading.words(),
            "orders fell 3 months running: 2,500 → 2,000 → 1,600 → 300; lines 5 → 2",
        )
        self.assertEqual(read("lines_dropped", BASE).value, 3)

    def test_decline_stops_at_the_first_rise(self):
        for series, months in [([100.0, 900.0, 800.0], 1), ([100.0, 200.0], 0), ([], 0)]:
            with self.subTest(series=series):
                self.assertEqual(
                    read("months_declining", facts(monthly_sales=series)).value, months
                )

    def test_metric_values(self):
        for key, changes, value in [
            ("sales_change_pct", {}, -50.0),
            ("sales_change_pct", {"sales_prev": 0.0}, None),
            ("share_change", {}, -15.0),
            ("share_change", {"share_prev": None}, None),
            ("cost_to_serve_pct", {}, 15.0),
            ("cost_to_serve_pct", {"sales": 0.0}, 100.0),
            ("target_progress_pct", {"annual_target": 10000.0, "sales_ytd": 2500.0}, 50.0),
            ("target_progress_pct", {}, None),
            ("days_since_review", {}, None),
            ("stage_regressed", {"stage_fell": "Development"}, 1),
            ("credit_downgraded", {"grade_change": "A → C"}, 1),
            ("key_contact_changed", {"key_contact_changes": ["Sun Li left"]}, 1),
            ("days_without_contact", {"days_without_contact": None}, None),
            ("contact_gap", {"contact_cadence": None}, None),
            ("contact_gap", {"days_without_contact": None}, 393),
            ("contact_gap", {"days_without_contact": 3}, -4),
            ("frequency_drop_pct", {"invoices_prev": 0}, None),
            ("frequency_drop_pct", {"invoices": 9}, 0.0),
            ("frequency_drop_pct", {"invoices": 0}, 100.0),
            ("profit_12m", {"margin_12m": None}, None),
            ("profit_12m", {"cost_to_serve_12m": None}, 900.0),
        ]:
            with self.subTest(metric=key, changes=changes):
                self.assertEqual(read(key, facts(**changes)).value, value)

    def test_words_are_translatable_templates(self):
        reading = read("share_change", BASE)
        self.assertEqual(
            reading.template, "share of wallet %(before)s%% → %(after)s%% (%(change)s points)"
        )
        self.assertEqual(reading.words(), "share of wallet 55.0% → 40.0% (-15.0 points)")
        translated = reading.words(lambda template, **params: "T:" + template % params)
        self.assertEqual(translated, "T:share of wallet 55.0% → 40.0% (-15.0 points)")

    def test_never_contacted_is_beyond_any_silence(self):
        reading = read("days_without_contact", facts(days_without_contact=None))
        self.assertTrue(reading.beyond)
        self.assertEqual(reading.words(), "never contacted")

    def test_holds(self):
        self.assertTrue(holds(">=", 3, 3))
        self.assertFalse(holds(">", 3, 3))
        self.assertTrue(holds("<", -50, -30))
        self.assertFalse(holds("<", None, 10), "an unmeasured value never raises a warning")

    def test_a_card_never_reviewed_is_past_any_review_interval(self):
        never = read("days_since_review", facts(days_since_review=None))
        self.assertEqual(never.words(), "card never reviewed")
        self.assertTrue(reading_holds(">", never, 90))
        self.assertTrue(reading_holds(">=", never, 3650))
        self.assertFalse(reading_holds("<", never, 90), "not a recently reviewed card")
        recent = read("days_since_review", facts(days_since_review=10))
        self.assertFalse(reading_holds(">", recent, 90))
        self.assertTrue(reading_holds("<=", recent, 90))
