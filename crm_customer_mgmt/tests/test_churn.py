"""Churn analysis: full churn from the stage history, partial churn from the metrics pass."""

from datetime import date

from odoo.tests import new_test_user, tagged

from ..models.tools import owned_writer
from .common import REP, SUPERVISOR, MetricsCase

TODAY = date(2026, 6, 30)  # a 90-day period: current from 2 April, previous from 2 January
MEASURES = [
    "churn_rate:avg",
    "active_start:sum",
    "lost:sum",
    "won_back:sum",
    "partial:sum",
    "revenue_lost:sum",
    "__count",
]


class ChurnCase(MetricsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dev = cls.env.ref("crm_customer_mgmt.stage_development")
        cls.initial = cls.env.ref("crm_customer_mgmt.stage_initial")
        cls.stable = cls.env.ref("crm_customer_mgmt.stage_stable")
        cls.interrupted = cls.env.ref("crm_customer_mgmt.stage_interrupted")
        cls.price = cls.env.ref("crm_customer_mgmt.churn_reason_price")
        cls.quality = cls.env.ref("crm_customer_mgmt.churn_reason_quality")
        cls.service = cls.env.ref("crm_customer_mgmt.churn_reason_service")
        cls.rep_a = new_test_user(cls.env, login="churn_rep_a", groups=REP, name="Zhao Min")
        cls.rep_b = new_test_user(cls.env, login="churn_rep_b", groups=REP, name="Sun Li")
        cls.supervisor = new_test_user(
            cls.env, login="churn_sup", groups=SUPERVISOR, name="He Ping"
        )
        cls.portal = new_test_user(cls.env, login="churn_portal", groups="base.group_portal")

    @classmethod
    def _owned_customer(cls, name, rep):
        customer = cls._customer(name)
        customer.user_id = rep
        return customer


@tagged("post_install", "-at_install")
class TestStageHistoryValue(ChurnCase):
    """Each stage move keeps what the customer was worth at the move."""

    def test_moves_keep_tier_and_sales(self):
        customer = self._owned_customer("Huaxia Valves", self.rep_a)
        self._invoice(customer, date(2025, 12, 1), 500)
        self._invoice(customer, date(2025, 3, 1), 700)  # over 12 months before
        owned_writer(customer).write(
            {
                "customer_stage_id": self.stable.id,
                "stage_date": date(2025, 6, 1),
                "value_tier": "ordinary",
            }
        )
        self._pass(customer, TODAY)
        row = customer.customer_stage_history_ids
        self.assertEqual(row.stage_to_id, self.interrupted)
        self.assertEqual((row.value_tier, row.revenue_12m), ("ordinary", 500.0))

        self._invoice(customer, date(2026, 7, 1), 300)
        owned_writer(customer).write({"value_tier": "small"})
        self._pass(customer, date(2026, 7, 2))
        back = customer.customer_stage_history_ids.sorted("id")[-1]
        self.assertEqual(back.change, "returned")
        self.assertEqual((back.value_tier, back.revenue_12m), ("small", 800.0))

    def test_manual_move_reads_the_last_measure(self):
        customer = self._owned_customer("Xinda Tools", self.rep_a)
        self._invoice(customer, date(2026, 5, 1), 250)
        self._pass(customer, TODAY)
        self._invoice(customer, date(2026, 6, 1), 1000)  # not measured yet
        wizard = (
            self.env["crm.customer.stage.wizard"]
            .with_user(self.supervisor)
            .create({"partner_ids": customer.ids, "stage_id": self.initial.id, "reason": "Agreed"})
        )
        wizard.action_apply()
        row = customer.customer_stage_history_ids.sorted("id")[-1]
        self.assertEqual((row.change, row.revenue_12m), ("manual", 250.0))
