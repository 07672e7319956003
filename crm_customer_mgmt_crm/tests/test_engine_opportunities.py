from odoo.tests import BaseCase, tagged

from odoo.addons.crm_customer_mgmt.engine.warnings import (
    CHANGE,
    METRICS,
    Condition,
    condition_reading,
    verdicts,
)

from ..engine.opportunities import OPPORTUNITY_METRICS, facts_of_measures

MEASURED = {
    "opportunities_open": 3,
    "opportunity_stalled_days": 45,
    "opportunities_won": 1,
    "opportunities_won_prev": 4,
    "opportunities_lost": 2,
    "opportunities_lost_prev": None,
}


@tagged("post_install", "-at_install")
class TestEngineOpportunities(BaseCase):
    def test_the_metrics_stay_out_of_the_main_registry(self):
        self.assertEqual(
            set(OPPORTUNITY_METRICS),
            {
                "opportunities_open",
                "opportunity_stalled_days",
                "opportunities_lost",
                "opportunities_won",
            },
        )
        self.assertFalse(set(OPPORTUNITY_METRICS) & set(METRICS))

    def test_facts_default_to_zero_but_a_stall_needs_an_open_opportunity(self):
        self.assertEqual(
            facts_of_measures(dict.fromkeys(MEASURED)),
            {**dict.fromkeys(MEASURED, 0), "opportunity_stalled_days": None},
        )
        self.assertEqual(facts_of_measures(MEASURED)["opportunities_lost_prev"], 0)

    def test_the_stall_is_read_in_words_and_unmeasured_without_opportunity(self):
        stalled = OPPORTUNITY_METRICS["opportunity_stalled_days"]
        reading = stalled.read(facts_of_measures(MEASURED))
        self.assertEqual(reading.value, 45)
        self.assertEqual(reading.words(), "an opportunity has stalled in its stage 45 days")
        facts = {1: facts_of_measures(MEASURED), 2: facts_of_measures({})}
        rule = [Condition("opportunity_stalled_days", ">", 30)]
        found = verdicts(rule, "all", facts, OPPORTUNITY_METRICS)
        self.assertEqual((found[1].holds, found[2].holds), (True, False))
        self.assertEqual(found[2].readings[0].words(), "no open opportunity")

    def test_won_and_lost_compare_with_the_previous_period(self):
        facts = facts_of_measures(MEASURED)
        fall = condition_reading(
            Condition("opportunities_won", "<", -50, CHANGE), facts, OPPORTUNITY_METRICS
        )
        self.assertEqual(fall.value, -75.0)
        nothing_before = condition_reading(
            Condition("opportunities_lost", ">", 50, CHANGE), facts, OPPORTUNITY_METRICS
        )
        self.assertIsNone(nothing_before.value)
