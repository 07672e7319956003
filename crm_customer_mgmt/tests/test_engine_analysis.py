from datetime import date

from odoo.tests import BaseCase, tagged

from ..engine import analysis
from ..engine.ranking import cost_customers, quintiles


@tagged("post_install", "-at_install")
class TestEngineAnalysis(BaseCase):
    def test_cost_customers_are_big_on_revenue_and_small_on_profit(self):
        revenue = {1: "A", 2: "A", 3: "B", 4: "A"}
        profit = {1: "A", 2: "C", 3: "C", 4: "B"}
        flags = cost_customers(revenue, profit, {1: 500, 2: 10, 3: 5, 4: -1})
        self.assertEqual(flags, {1: False, 2: True, 3: False, 4: True})

    def test_quintiles_of_ten_customers(self):
        values = {customer: customer * 10 for customer in range(1, 11)}
        self.assertEqual(
            quintiles(values),
            {1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 8: 4, 9: 5, 10: 5},
        )
        # fewer days since the last order is better
        self.assertEqual(quintiles(values, higher_is_better=False)[1], 5)
        self.assertEqual(quintiles(values, higher_is_better=False)[10], 1)

    def test_equal_values_score_the_same(self):
        scores = quintiles({1: 1, 2: 1, 3: 1, 4: 1, 5: 7})
        self.assertEqual(scores, {1: 1, 2: 1, 3: 1, 4: 1, 5: 5})

    def test_few_customers_span_the_scores_and_recency_ties_score_high(self):
        self.assertEqual(quintiles({1: 10, 2: 20}), {1: 1, 2: 5})
        self.assertEqual(
            (quintiles({1: 10}), quintiles({1: 10}, ties_high=True)), ({1: 1}, {1: 5})
        )
        # invoiced on the same day as the most recent customer: as recent as it
        self.assertEqual(
            quintiles({1: 3, 2: 3, 3: 3, 4: 1, 5: 2}, ties_high=True),
            {1: 5, 2: 5, 3: 5, 4: 1, 5: 2},
        )

    def test_rfm_segments(self):
        for scores, invoices, segment in [
            ((5, 5, 5), 12, analysis.CHAMPIONS),
            ((4, 4, 3), 6, analysis.POTENTIAL),
            ((5, 1, 2), 1, analysis.NEW),
            ((5, 2, 1), 3, analysis.PROMISING),
            ((3, 5, 4), 8, analysis.LOYAL),
            ((3, 3, 3), 4, analysis.ATTENTION),
            ((3, 1, 1), 1, analysis.ABOUT_TO_SLEEP),
            ((2, 3, 3), 4, analysis.AT_RISK),
            ((1, 5, 5), 20, analysis.CANT_LOSE),
            ((2, 1, 2), 1, analysis.HIBERNATING),
            ((1, 1, 1), 1, analysis.LOST),
        ]:
            with self.subTest(scores=scores):
                self.assertEqual(analysis.rfm_segment(*scores, invoices), segment)

    def test_loyalty_comes_from_the_card_then_the_wallet_then_repeat_buying(self):
        self.assertTrue(analysis.is_loyal("loyal", 10.0, False, False))
        self.assertFalse(analysis.is_loyal("switcher", 90.0, True, True))
        self.assertTrue(analysis.is_loyal(None, 50.0, False, False))
        self.assertFalse(analysis.is_loyal(None, 49.9, True, True))
        self.assertTrue(analysis.is_loyal(None, None, True, True))
        self.assertFalse(analysis.is_loyal(None, None, True, False))

    def test_value_loyalty_quadrant(self):
        self.assertEqual(analysis.value_loyalty_quadrant("vip", True), analysis.MOST_PRECIOUS)
        self.assertEqual(analysis.value_loyalty_quadrant("key", False), analysis.MOST_DANGEROUS)
        self.assertEqual(analysis.value_loyalty_quadrant("small", True), analysis.TOMORROWS_STAR)
        self.assertEqual(analysis.value_loyalty_quadrant("ordinary", False), analysis.DROP)
        self.assertIsNone(analysis.value_loyalty_quadrant(None, True))

    def test_suggested_type(self):
        day = date(2026, 3, 1)
        self.assertEqual(analysis.suggested_type(None, None), "potential")
        self.assertEqual(analysis.suggested_type(day, day), "one_time")
        self.assertEqual(analysis.suggested_type(day, date(2026, 5, 1)), "loyal")

    def test_lifetime_value_by_hand(self):
        value = analysis.lifetime_value(5000.0, 1200.0, 20.0, 10.0, 3)
        # kept 0.8 a year, worth 1/1.1 a year: 0.8/1.1 + (0.8/1.1)^2 + (0.8/1.1)^3
        factor = 0.8 / 1.1 + (0.8 / 1.1) ** 2 + (0.8 / 1.1) ** 3
        self.assertAlmostEqual(value.discount_factor, factor)
        self.assertAlmostEqual(value.expected_years, 0.8 + 0.64 + 0.512)
        self.assertAlmostEqual(value.future_margin, 1200.0 * factor)
        self.assertAlmostEqual(value.total, 5000.0 + 1200.0 * factor)

    def test_lifetime_value_of_a_lost_or_losing_customer(self):
        lost = analysis.lifetime_value(5000.0, 1200.0, 0.0, 10.0, 10, lost=True)
        self.assertEqual((lost.future_margin, lost.total), (0.0, 5000.0))
        losing = analysis.lifetime_value(0.0, -100.0, 100.0, 0.0, 10)
        self.assertEqual(losing.future_margin, 0.0)
        costly = analysis.lifetime_value(0.0, -100.0, 0.0, 0.0, 2)
        self.assertEqual(costly.total, -200.0, "a loss-making customer costs in the future too")
