"""Churn analysis: full churn from the stage history, partial churn from the metrics pass."""

from datetime import date, timedelta

from odoo.exceptions import AccessError
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
class TestPartialChurn(ChurnCase):
    """The metrics pass records the product lines a customer still buying dropped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pipes, cls.valves, cls.pumps, cls.seals, cls.tools = cls.products
        cls.customer = cls._owned_customer("Hongxing Pumps", cls.rep_a)
        cls.other = cls._owned_customer("Dazhong Seals", cls.rep_b)

    def _buy(self, partner, when, lines):
        return self._invoice_lines(partner, when, lines)

    def _records(self, partner=None):
        return self.env["crm.customer.partial.churn"].search(
            [("partner_id", "=", (partner or self.customer).id)], order="id"
        )

    def _history(self):
        self._buy(
            self.customer,
            date(2026, 2, 15),
            [(self.pipes, 100), (self.valves, 200), (self.pumps, 300)],
        )
        self._invoice(self.customer, date(2026, 3, 10), 50, self.pumps, "out_refund")
        self._buy(self.customer, date(2026, 1, 1), [(self.tools, 999)])  # before the periods
        self._buy(self.customer, date(2026, 5, 1), [(self.seals, 80)])
        self._buy(self.customer, date(2026, 5, 15), [(self.pipes, 400)])

    def test_pass_records_dropped_lines_once(self):
        self._history()
        owned_writer(self.customer).write({"value_tier": "key"})
        self._pass(self.customer, TODAY)
        record = self._records()
        self.assertEqual(len(record), 1)
        self.assertEqual(record.category_ids, (self.valves | self.pumps).categ_id)
        self.assertEqual(record.revenue_lost, 450.0, "200 + 300 - the 50 refunded")
        self.assertEqual(
            (record.date, record.period_start, record.previous_period_start),
            (TODAY, date(2026, 4, 2), date(2026, 1, 2)),
        )
        self.assertEqual(record.user_id, self.rep_a)
        self.assertEqual(record.value_tier, "key")
        self.assertEqual(record.stage_id, self.customer.customer_stage_id)
        self.assertTrue(record.stage_id)
        self.assertEqual(record.company_id, self.env.company)
        self.assertFalse(record.churn_reason_id)

        self._pass(self.customer, TODAY)
        self._pass(self.customer, TODAY + timedelta(days=1))
        self._pass(self.customer, TODAY + timedelta(days=20))
        self.assertEqual(self._records(), record, "the same lines, the same period: no other")

        # 30 days on, the seals bought on 1 May fall in the previous period too
        later = TODAY + timedelta(days=30)
        self._pass(self.customer, later)
        records = self._records()
        self.assertEqual(len(records), 2)
        self.assertEqual(records[1].category_ids, self.seals.categ_id, "only the new drop")
        self.assertEqual((records[1].revenue_lost, records[1].date), (80.0, later))

    def test_no_partial_churn_without_a_drop_or_without_buying(self):
        self._buy(self.other, date(2026, 2, 15), [(self.pipes, 100)])
        self._buy(self.other, date(2026, 5, 15), [(self.pipes, 100)])
        gone = self._owned_customer("Stopped Co.", self.rep_a)
        self._buy(gone, date(2026, 2, 15), [(self.pipes, 100), (self.valves, 100)])
        self._pass(self.other | gone, TODAY)
        self.assertFalse(self._records(self.other), "the same lines in both periods")
        self.assertFalse(
            self._records(gone), "bought nothing this period: full churn, not partial"
        )

    def test_queries_do_not_grow_with_customers(self):
        def queries_for(count):
            customers = self.env["res.partner"].union(
                *(self._owned_customer(f"Q{count}-{n}", self.rep_a) for n in range(count))
            )
            for customer in customers:
                self._buy(customer, date(2026, 2, 15), [(self.pipes, 10), (self.valves, 10)])
                self._buy(customer, date(2026, 5, 15), [(self.pipes, 10)])
            self.Metrics._measure(customers.ids, TODAY)
            self.env.flush_all()
            start = self.env.cr.sql_log_count
            self.env["crm.customer.partial.churn"]._record_partial_churn(customers, TODAY)
            queries = self.env.cr.sql_log_count - start
            self.assertEqual(
                self.env["crm.customer.partial.churn"].search_count(
                    [("partner_id", "in", customers.ids)]
                ),
                count,
            )
            return queries

        self.assertEqual(queries_for(1), queries_for(6))

    def test_rights(self):
        self._history()
        self._buy(self.other, date(2026, 2, 15), [(self.pipes, 100), (self.tools, 60)])
        self._buy(self.other, date(2026, 5, 15), [(self.pipes, 100)])
        self._pass(self.customer | self.other, TODAY)
        mine, theirs = self._records(), self._records(self.other)
        self.assertEqual(theirs.revenue_lost, 60.0)
        PartialChurn = self.env["crm.customer.partial.churn"]
        self.assertEqual(PartialChurn.with_user(self.rep_a).search([]), mine, "own customers")
        self.assertFalse(PartialChurn.with_user(self.rep_a).browse(theirs.id).has_access("read"))
        with self.assertRaises(AccessError):
            mine.with_user(self.rep_a).churn_reason_id = self.price
        with self.assertRaises(AccessError):
            PartialChurn.with_user(self.rep_a).create(
                {
                    "partner_id": self.customer.id,
                    "date": TODAY,
                    "period_start": TODAY,
                    "previous_period_start": TODAY,
                }
            )
        with self.assertRaises(AccessError):
            mine.with_user(self.rep_a).unlink()
        for user in (self.portal,):
            with self.assertRaises(AccessError):
                PartialChurn.with_user(user).search([])
            with self.assertRaises(AccessError):
                mine.with_user(user).read(["revenue_lost"])

        mine.with_user(self.supervisor).churn_reason_id = self.price
        self.assertEqual(mine.churn_reason_id, self.price)
        with self.assertRaisesRegex(AccessError, "cannot be changed directly"):
            mine.with_user(self.supervisor).write({"revenue_lost": 1.0})
        with self.assertRaisesRegex(AccessError, "cannot be changed directly"):
            mine.with_user(self.supervisor).write({"partner_id": self.other.id})
        self.assertEqual(mine.revenue_lost, 450.0)


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
