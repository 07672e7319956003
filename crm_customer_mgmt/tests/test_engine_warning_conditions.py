from odoo.tests import BaseCase, tagged

from ..engine import warnings as engine
from ..engine.warnings import ALL, ANY, CHANGE, METRICS, Condition, verdict, verdicts
from .test_engine_warnings import BASE, facts

DECLINE = Condition("months_declining", ">=", 3)  # BASE: 3 months
LINES_HALVED = Condition("product_lines", "<=", -50, CHANGE)  # BASE: 5 → 2, -60 %
OVERDUE = Condition("overdue_days", ">=", 30)  # BASE: 0 days


@tagged("post_install", "-at_install")
class TestEngineWarningConditions(BaseCase):
    def test_all_needs_every_condition_any_needs_one(self):
        for conditions, match, holds in [
            ([DECLINE, LINES_HALVED], ALL, True),
            ([DECLINE, OVERDUE], ALL, False),
            ([DECLINE, OVERDUE], ANY, True),
            ([OVERDUE, LINES_HALVED], ANY, True),
            ([OVERDUE], ANY, False),
            ([], ALL, False),  # a rule without conditions warns nobody
            ([], ANY, False),
        ]:
            with self.subTest(conditions=conditions, match=match):
                self.assertIs(verdict(conditions, match, BASE).holds, holds)

    def test_verdict_keeps_each_reading_and_which_were_met(self):
        result = verdict([OVERDUE, DECLINE, LINES_HALVED], ANY, BASE)
        self.assertEqual([reading.value for reading in result.readings], [0, 3, -60.0])
        self.assertEqual(result.met, (False, True, True))
        self.assertEqual(result.first_met(), 1)
        self.assertIsNone(verdict([OVERDUE], ANY, BASE).first_met())

    def test_change_against_the_previous_period(self):
        reading = engine.condition_reading(LINES_HALVED, BASE)
        self.assertEqual(reading.value, -60.0)
        self.assertEqual(
            reading.words(), "2 product lines, against 5 in the previous period (-60.0%)"
        )
        sales = engine.condition_reading(Condition("sales", ">=", 10, CHANGE), BASE)
        self.assertEqual(
            sales.words(), "sales 1,000, against 2,000 in the previous period (-50.0%)"
        )
        invoices = engine.condition_reading(Condition("invoice_count", "<", 0, CHANGE), BASE)
        self.assertEqual(invoices.value, -33.3)
        share = engine.condition_reading(Condition("share_of_wallet", "<", 0, CHANGE), BASE)
        self.assertEqual(share.value, -27.3)

    def test_nothing_to_compare_with_never_holds(self):
        for changes in ({"lines_prev": 0}, {"share_prev": None}, {"share": None}):
            with self.subTest(changes=changes):
                key = "share_of_wallet" if "share" in next(iter(changes)) else "product_lines"
                condition = Condition(key, "<=", 1000, CHANGE)
                reading = engine.condition_reading(condition, facts(**changes))
                self.assertIsNone(reading.value)
                self.assertEqual(reading.words(), "nothing in the previous period to compare with")
                self.assertFalse(verdict([condition], ALL, facts(**changes)).holds)

    def test_words_of_a_change_are_translated_whole(self):
        reading = engine.condition_reading(LINES_HALVED, BASE)
        translated = reading.words(lambda template, **params: "T:" + template % params)
        self.assertEqual(
            translated, "T:T:2 product lines, against 5 in the previous period (-60.0%)"
        )

    def test_verdicts_for_many_customers(self):
        steady = facts(lines_prev=2)  # declining, lines kept
        narrow = facts(monthly_sales=[100.0, 200.0])  # lines halved, sales growing
        gone = facts(monthly_sales=[], lines=0, lines_prev=0)
        customers = {1: BASE, 2: steady, 3: narrow, 4: gone}
        every = verdicts([DECLINE, LINES_HALVED], ALL, customers)
        self.assertEqual({key for key, value in every.items() if value.holds}, {1})
        either = verdicts([DECLINE, LINES_HALVED], ANY, customers)
        self.assertEqual({key for key, value in either.items() if value.holds}, {1, 2, 3})
        self.assertEqual(either[3].met, (False, True))

    def test_every_metric_declares_its_unit_period_and_previous_period(self):
        units = {engine.DAYS, engine.MONTHS, engine.PERCENT, engine.POINTS, engine.AMOUNT}
        units.add(engine.COUNT)
        for key, metric in METRICS.items():
            with self.subTest(metric=key):
                self.assertIn(metric.unit, units)
        self.assertEqual(
            {key for key, metric in METRICS.items() if metric.uses_period},
            {"stage_regressed", "credit_downgraded", "key_contact_changed"},
        )
        self.assertEqual(
            {key for key, metric in METRICS.items() if metric.previous},
            {"sales", "product_lines", "invoice_count", "share_of_wallet"},
        )
        self.assertEqual(METRICS["overdue_amount"].unit, engine.AMOUNT)
        self.assertEqual(METRICS["days_since_review"].unit, engine.DAYS)
        self.assertEqual(METRICS["share_change"].unit, engine.POINTS)

    def test_a_card_never_reviewed_meets_its_condition_among_others(self):
        stale = Condition("days_since_review", ">", 90)
        result = verdict([stale, OVERDUE], ANY, BASE)
        self.assertEqual(result.met, (True, False))
        self.assertEqual(result.readings[0].words(), "card never reviewed")
