from odoo.tests import BaseCase, tagged

from ..engine.ranking import abc_classes, value_tiers


@tagged("post_install", "-at_install")
class TestEngineRanking(BaseCase):
    def test_abc_by_cumulative_revenue(self):
        revenues = {1: 500, 2: 300, 3: 100, 4: 60, 5: 40, 6: 0, 7: -20}
        # cumulative share before each: 0, 50, 80, 90, 96
        self.assertEqual(
            abc_classes(revenues), {1: "A", 2: "A", 3: "B", 4: "B", 5: "C", 6: "C", 7: "C"}
        )

    def test_abc_thresholds_are_configurable(self):
        revenues = {1: 500, 2: 300, 3: 100, 4: 60, 5: 40}
        self.assertEqual(
            abc_classes(revenues, a_share=50, b_share=90),
            {1: "A", 2: "B", 3: "B", 4: "C", 5: "C"},
        )

    def test_abc_without_revenue(self):
        self.assertEqual(abc_classes({1: 0, 2: 0}), {1: "C", 2: "C"})
        self.assertEqual(abc_classes({}), {})

    def test_pyramid_on_a_hundred_customers(self):
        values = {customer: 1000 - customer for customer in range(100)}
        tiers = value_tiers(values)
        counts = {
            tier: list(tiers.values()).count(tier) for tier in ("vip", "key", "ordinary", "small")
        }
        self.assertEqual(counts, {"vip": 1, "key": 4, "ordinary": 15, "small": 80})
        self.assertEqual(tiers[0], "vip")
        self.assertEqual([tiers[1], tiers[4]], ["key", "key"])
        self.assertEqual([tiers[5], tiers[19]], ["ordinary", "ordinary"])
        self.assertEqual(tiers[20], "small")

    def test_pyramid_small_population_and_zero_values(self):
        # cut-offs ceil(3 * 1%), ceil(3 * 5%), ceil(3 * 20%) are all 1: no key or ordinary
        tiers = value_tiers({"a": 10, "b": 5, "c": 0})
        self.assertEqual(tiers, {"a": "vip", "b": "small", "c": "small"})
        tiers = value_tiers({c: 10 + c for c in range(21)})
        self.assertEqual([tiers[c] for c in (20, 19, 16, 15)], ["vip", "key", "ordinary", "small"])

    def test_pyramid_configurable_shares(self):
        values = {customer: 100 - customer for customer in range(10)}
        tiers = value_tiers(values, vip=10, key=20, ordinary=30)
        self.assertEqual(
            [tiers[c] for c in range(10)], ["vip"] + ["key"] * 2 + ["ordinary"] * 3 + ["small"] * 4
        )
