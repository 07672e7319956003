"""Churn analysis: full churn from the stage history, partial churn from the metrics pass."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command
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
    "margin_lost:sum",
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
        for product, cost in zip(cls.products, (30, 50, 100, 20, 0), strict=True):
            product.standard_price = cost

    @classmethod
    def _owned_customer(cls, name, rep):
        customer = cls._customer(name)
        customer.user_id = rep
        return customer


@tagged("post_install", "-at_install")
class TestChurnReport(ChurnCase):
    """A known history over one quarter (three months), checked by hand.

    Before the quarter: A (VIP, rep A) and C (VIP, rep A) in stable cooperation, B (key, rep
    B) in initial cooperation, G (key, rep B) stable, E (ordinary, rep B) in development,
    D (small, rep A) interrupted. In month 1: C lost (quality, 3000), G lost (no reason,
    1000), F placed. In month 2: A lost (price, 5000), E drops a line (service, 700). In
    month 3: D and G won back.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the view's periods end with the database's current month
        cls.env.cr.execute("SELECT date_trunc('quarter', CURRENT_DATE)::date")
        cls.q0 = cls.env.cr.fetchone()[0] - relativedelta(months=6)
        cls.m1, cls.m2, cls.m3 = (cls.q0 + relativedelta(months=n) for n in range(3))
        names = "ABCDEFG"
        reps = [cls.rep_a, cls.rep_b, cls.rep_a, cls.rep_a, cls.rep_b, cls.rep_b, cls.rep_b]
        customers = [
            cls._owned_customer(f"Churn {name}", rep)
            for name, rep in zip(names, reps, strict=True)
        ]
        cls.a, cls.b, cls.c, cls.d, cls.e, cls.f, cls.g = customers
        cls.customers = cls.env["res.partner"].union(*customers)
        before = cls.q0 - relativedelta(months=2)
        cls._move(cls.a, before, cls.stable, "vip", cls.rep_a)
        cls._move(cls.b, before, cls.initial, "key", cls.rep_b)
        cls._move(cls.c, before, cls.stable, "vip", cls.rep_a)
        cls._move(cls.d, before - relativedelta(months=6), cls.stable, "key", cls.rep_a)
        cls._move(cls.d, before, cls.interrupted, "small", cls.rep_a, cls.stable, (400, 100))
        cls._move(cls.e, before, cls.dev, "ordinary", cls.rep_b)
        cls._move(cls.g, before, cls.stable, "key", cls.rep_b)
        # month 1
        cls._move(
            cls.c,
            cls.m1 + timedelta(4),
            cls.interrupted,
            "key",
            cls.rep_a,
            cls.stable,
            (3000, 600),
            cls.quality,
        )
        cls._move(
            cls.g,
            cls.m1 + timedelta(19),
            cls.interrupted,
            "small",
            cls.rep_b,
            cls.stable,
            (1000, 200),
        )
        cls._move(cls.f, cls.m1 + timedelta(14), cls.dev, "small", cls.rep_b)
        # month 2
        cls._move(
            cls.a,
            cls.m2 + timedelta(9),
            cls.interrupted,
            "key",
            cls.rep_a,
            cls.stable,
            (5000, 1500),
            cls.price,
        )
        cls.env["crm.customer.partial.churn"].sudo().create(
            {
                "partner_id": cls.e.id,
                "company_id": cls.env.company.id,
                "date": cls.m2 + timedelta(1),
                "period_start": cls.m2 - timedelta(88),
                "previous_period_start": cls.m2 - timedelta(178),
                "user_id": cls.rep_b.id,
                "value_tier": "ordinary",
                "stage_id": cls.dev.id,
                "category_ids": cls.products[1].categ_id.ids,
                "revenue_lost": 700,
                "margin_lost": 300,
                "churn_reason_id": cls.service.id,
            }
        )
        # month 3
        cls._move(cls.d, cls.m3 + timedelta(2), cls.dev, "small", cls.rep_a, cls.interrupted)
        cls._move(cls.g, cls.m3, cls.dev, "small", cls.rep_b, cls.interrupted)

    @classmethod
    def _move(cls, partner, when, stage, tier, owner, stage_from=None, worth=(0, 0), reason=None):
        cls.env["crm.customer.stage.history"].sudo().create(
            {
                "partner_id": partner.id,
                "date": when,
                "stage_from_id": stage_from.id if stage_from else False,
                "stage_to_id": stage.id,
                "change": "interrupted" if stage.is_interrupted else "manual",
                "value_tier": tier,
                "user_id": owner.id,
                "revenue_12m": worth[0],
                "margin_12m": worth[1],
                "churn_reason_id": reason.id if reason else False,
            }
        )

    def _report(self, granularity, groupby, user=None, extra=()):
        Report = self.env["crm.customer.churn.report"]
        if user:
            Report = Report.with_user(user)
        domain = [
            ("granularity", "=", granularity),
            ("partner_id", "in", self.customers.ids),
            ("date", ">=", self.q0),
            ("date", "<", self.q0 + relativedelta(months=3)),
            *extra,
        ]
        return {
            group[0] if len(groupby) == 1 else group[: -len(MEASURES)]: group[len(groupby) :]
            for group in Report._read_group(domain, groupby, MEASURES)
        }

    def test_monthly_churn_rate(self):
        months = self._report("month", ["date:month"])
        # rate, active at start, lost, won back, partial, revenue lost, rows, margin lost
        self.assertEqual(months[self.m1], (40.0, 5, 2, 0, 0, 4000.0, 5, 800.0))  # C G of ABCEG
        self.assertEqual(months[self.m2], (25.0, 4, 1, 0, 1, 5700.0, 4, 1800.0))  # A of ABEF
        self.assertEqual(months[self.m3], (0.0, 3, 0, 2, 0, 0.0, 5, 0.0))  # B E F, D G back
        rows = self.env["crm.customer.churn.report"].search(
            [("granularity", "=", "month"), ("date", "=", self.m3), ("won_back", "=", 1)]
        )
        self.assertEqual(rows.partner_id, self.d | self.g)
        self.assertEqual(set(rows.mapped("active_start")), {0})
        every = self.env["crm.customer.churn.report"].search(
            [("partner_id", "in", self.customers.ids)]
        )
        self.assertEqual(len(set(every.ids)), len(every), "an id per row")
        self.assertLess(max(every.ids), 2**53, "ids the web client keeps exact")
        self.assertEqual(every.browse(rows.ids).partner_id, self.d | self.g, "read back by id")
        self.assertEqual(rows.mapped("churn_rate"), [0.0, 0.0], "not active: left out of rates")

    def test_quarterly_churn_rate(self):
        quarter = self._report("quarter", ["date:quarter"])
        # A C G lost out of A B C E G; F came and stayed: no row
        self.assertEqual(quarter[self.q0], (60.0, 5, 3, 2, 1, 9700.0, 6, 2600.0))
        row = (
            self.env["crm.customer.churn.report"]
            .search([("granularity", "=", "quarter"), ("partner_id", "=", self.g.id)])
            .filtered(lambda r: r.date == self.q0)
        )
        self.assertEqual(
            (row.active_start, row.lost, row.won_back, row.stage_id), (1, 1, 1, self.stable)
        )

    def test_by_reason_tier_rep_and_stage(self):
        reasons = self._report("quarter", ["churn_reason_id"])
        self.assertEqual(reasons[self.price][2], 1, "A lost for its price")
        self.assertEqual(reasons[self.quality][2], 1)
        self.assertEqual(reasons[self.service][3:5], (0, 1), "E's dropped line")
        self.assertEqual(reasons[self.env["crm.churn.reason"]][2], 1, "G: no reason given")
        tiers = self._report("quarter", ["value_tier"])
        # the tier at the quarter's start: A C VIP, both lost; B G key, G lost
        self.assertEqual(tiers["vip"][:3], (100.0, 2, 2))
        self.assertEqual(tiers["key"][:3], (50.0, 2, 1))
        self.assertEqual(tiers["ordinary"][:3], (0.0, 1, 0))
        self.assertEqual(tiers["small"][:4], (False, 0, 0, 1), "D, back from interrupted")
        reps = self._report("quarter", ["user_id"])
        self.assertEqual(reps[self.rep_a][:3], (100.0, 2, 2))
        self.assertEqual(reps[self.rep_b][:3], (100.0 / 3, 3, 1))
        stages = self._report("month", ["date:month", "stage_id"])
        self.assertEqual(stages[self.m1, self.stable][:3], (200.0 / 3, 3, 2))
        self.assertEqual(stages[self.m2, self.dev][:3], (0.0, 2, 0), "E and F")

    def test_supervisors_only(self):
        months = self._report("month", ["date:month"], user=self.supervisor)
        self.assertEqual(months[self.m1][:3], (40.0, 5, 2))
        for user in (self.rep_a, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["crm.customer.churn.report"].with_user(user).search([])

    def test_other_company_apart(self):
        other = self.env["res.company"].create({"name": "Churn West"})
        self.env["crm.customer.stage.history"].sudo().create(
            {
                "partner_id": self.b.id,
                "company_id": other.id,
                "date": self.m1 + timedelta(3),
                "stage_from_id": self.stable.id,
                "stage_to_id": self.interrupted.id,
                "change": "interrupted",
            }
        )
        here = [("company_id", "=", self.env.company.id)]
        months = self._report("month", ["date:month"], extra=here)
        self.assertEqual(months[self.m1][2], 2, "B's loss in the other company, not counted")
        west = self._report("month", ["date:month", "company_id"])
        self.assertEqual(west[self.m1, other][:3], (False, 0, 1), "unknown there before")
        self.supervisor.company_ids = self.env.company
        rows = (
            self.env["crm.customer.churn.report"]
            .with_user(self.supervisor)
            .search([("partner_id", "=", self.b.id)])
        )
        self.assertEqual(rows.company_id, self.env.company)

    def test_first_placement_in_interrupted_is_no_loss(self):
        late = self._owned_customer("Never Bought Here", self.rep_a)
        self._move(late, self.m1 + timedelta(1), self.interrupted, "small", self.rep_a)
        self.assertFalse(
            self.env["crm.customer.churn.report"].search([("partner_id", "=", late.id)])
        )


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
        # costs 50 and 100; the pump refunded came back at its cost
        self.assertEqual(record.margin_lost, 150.0 + 200.0 + 50.0)
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
        self.assertEqual(
            (records[1].revenue_lost, records[1].margin_lost, records[1].date), (80.0, 60.0, later)
        )

    def test_margin_lost_takes_the_order_cost(self):
        order = (
            self.env["sale.order"]
            .sudo()
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.valves.id,
                                "product_uom_qty": 2,
                                "price_unit": 100,
                                "purchase_price": 30,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.write({"invoice_date": date(2026, 2, 15), "date": date(2026, 2, 15)})
        invoice.action_post()
        self._buy(self.customer, date(2026, 2, 15), [(self.pipes, 100)])
        self._buy(self.customer, date(2026, 5, 15), [(self.pipes, 100)])
        self._pass(self.customer, TODAY)
        record = self._records()
        self.assertEqual(record.category_ids, self.valves.categ_id)
        # the order's cost (2 x 30), not the product's (2 x 50)
        self.assertEqual((record.revenue_lost, record.margin_lost), (200.0, 140.0))

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

    def test_partial_churn_in_the_report(self):
        self._history()
        self._pass(self.customer, TODAY)
        self.env.cr.execute("SELECT CURRENT_DATE")
        if self.env.cr.fetchone()[0] - relativedelta(months=35) > TODAY.replace(day=1):
            self.skipTest("June 2026 is out of the analysed months")
        row = self.env["crm.customer.churn.report"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("granularity", "=", "month"),
                ("date", "=", TODAY.replace(day=1)),
            ]
        )
        self.assertEqual(
            (row.partial, row.revenue_lost, row.margin_lost, row.lost), (1, 450.0, 400.0, 0)
        )


@tagged("post_install", "-at_install")
class TestStageHistoryValue(ChurnCase):
    """Each stage move keeps what the customer was worth at the move."""

    def test_moves_keep_tier_sales_and_margin(self):
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
        self.assertEqual(
            (row.value_tier, row.revenue_12m, row.margin_12m), ("ordinary", 500.0, 470.0)
        )

        self._invoice(customer, date(2026, 7, 1), 300)
        owned_writer(customer).write({"value_tier": "small"})
        self._pass(customer, date(2026, 7, 2))
        back = customer.customer_stage_history_ids.sorted("id")[-1]
        self.assertEqual(back.change, "returned")
        self.assertEqual(
            (back.value_tier, back.revenue_12m, back.margin_12m), ("small", 800.0, 740.0)
        )

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
        self.assertEqual((row.change, row.revenue_12m, row.margin_12m), ("manual", 250.0, 220.0))


@tagged("post_install", "-at_install")
class TestChurnAttacks(ChurnCase):
    """What a rep, a plain employee, a portal user, a supervisor and a user of another
    company try on the partial churn records, the churn analysis and the stage history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(cls.env, login="churn_employee", groups="base.group_user")
        cls.west = cls.env["res.company"].create({"name": "Churn West Trading"})
        cls.west_supervisor = new_test_user(
            cls.env,
            login="churn_west_sup",
            groups=SUPERVISOR,
            company_id=cls.west.id,
            company_ids=cls.west.ids,
        )
        cls.mine = cls._owned_customer("Changjiang Fittings", cls.rep_a)
        cls.theirs = cls._owned_customer("Huanghe Castings", cls.rep_b)
        cls.drop = (
            cls.env["crm.customer.partial.churn"]
            .sudo()
            .create(
                {
                    "partner_id": cls.mine.id,
                    "company_id": cls.env.company.id,
                    "date": TODAY,
                    "period_start": date(2026, 4, 2),
                    "previous_period_start": date(2026, 1, 2),
                    "user_id": cls.rep_a.id,
                    "revenue_lost": 700,
                    "margin_lost": 300,
                }
            )
        )
        History = cls.env["crm.customer.stage.history"].sudo()
        cls.moves = History.create(
            [
                {
                    "partner_id": partner.id,
                    "date": TODAY,
                    "stage_from_id": cls.stable.id,
                    "stage_to_id": cls.interrupted.id,
                    "change": "interrupted",
                    "value_tier": "key",
                    "user_id": rep.id,
                    "revenue_12m": 5000,
                    "margin_12m": 1500,
                }
                for partner, rep in ((cls.mine, cls.rep_a), (cls.theirs, cls.rep_b))
            ]
        ).sudo(False)

    def _assert_refused(self, user, model, records, values):
        Model = self.env[model].with_user(user)
        attempts = {
            "search": lambda: Model.search([]),
            "read": lambda: records.with_user(user).read(["partner_id"]),
            "read_group": lambda: Model.formatted_read_group([], ["partner_id"], ["__count"]),
            "write": lambda: records.with_user(user).write(values),
            "create": lambda: Model.create({"partner_id": self.mine.id}),
            "unlink": lambda: records.with_user(user).unlink(),
        }
        for name, attempt in attempts.items():
            with self.subTest(user=user.login, model=model, attempt=name):
                with self.assertRaises(AccessError):
                    attempt()

    def test_outsiders_reach_nothing(self):
        report = self.env["crm.customer.churn.report"].search([], limit=1)
        for user in (self.employee, self.portal):
            self._assert_refused(
                user, "crm.customer.partial.churn", self.drop, {"churn_reason_id": self.price.id}
            )
            self._assert_refused(user, "crm.customer.churn.report", report, {"lost": 0})
            self._assert_refused(
                user, "crm.customer.stage.history", self.moves, {"revenue_12m": 0}
            )

    def test_rep_reads_own_drops_and_changes_nothing(self):
        PartialChurn = self.env["crm.customer.partial.churn"].with_user(self.rep_a)
        groups = PartialChurn.formatted_read_group([], ["partner_id"], ["revenue_lost:sum"])
        self.assertEqual(
            [(g["partner_id"][0], g["revenue_lost:sum"]) for g in groups], [(self.mine.id, 700)]
        )
        drop = self.drop.with_user(self.rep_a)
        for values in (
            {"churn_reason_id": self.price.id},
            {"revenue_lost": 0},
            {"partner_id": self.theirs.id},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                drop.write(values)
        report = self.env["crm.customer.churn.report"].with_user(self.rep_a)
        with self.assertRaises(AccessError):
            report.formatted_read_group([], ["user_id"], ["lost:sum"])
        with self.assertRaises(AccessError):
            report.search_count([])
        self.assertEqual(self.drop.revenue_lost, 700)
        self.assertFalse(self.drop.churn_reason_id)

    def test_supervisor_changes_the_reason_only(self):
        drop = self.drop.with_user(self.supervisor)
        for values in (
            {"revenue_lost": 1.0},
            {"margin_lost": 1.0},
            {"partner_id": self.theirs.id},
            {"company_id": self.west.id},
            {"user_id": self.rep_b.id},
            {"date": date(2026, 1, 1)},
            {"category_ids": [Command.set(self.products[:1].categ_id.ids)]},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                drop.write(values)
        with self.assertRaises(AccessError):
            drop.unlink()
        with self.assertRaises(AccessError):
            drop.copy()
        drop.churn_reason_id = self.quality
        self.assertEqual(
            (self.drop.churn_reason_id, self.drop.revenue_lost, self.drop.partner_id),
            (self.quality, 700, self.mine),
        )

    def test_other_company_reads_nothing(self):
        user = self.west_supervisor
        self.assertFalse(self.env["crm.customer.partial.churn"].with_user(user).search([]))
        self.assertFalse(self.drop.with_user(user).has_access("read"))
        self.assertFalse(
            self.env["crm.customer.churn.report"]
            .with_user(user)
            .search([("partner_id", "=", self.mine.id)])
        )
        self.assertFalse(self.env["crm.customer.stage.history"].with_user(user).search([]))

    def test_rep_reads_own_customers_worth_at_the_move(self):
        History = self.env["crm.customer.stage.history"].with_user(self.rep_a)
        # the card's own 12-month sales and margin reach the rep through the metrics too
        self.assertEqual(
            History.search([("id", "in", self.moves.ids)]).read(["revenue_12m", "margin_12m"]),
            [{"id": self.moves[0].id, "revenue_12m": 5000, "margin_12m": 1500}],
        )
        with self.assertRaises(AccessError):
            self.moves[1].with_user(self.rep_a).read(["revenue_12m"])
        groups = History.formatted_read_group(
            [("id", "in", self.moves.ids)], [], ["revenue_12m:sum"]
        )
        self.assertEqual(groups[0]["revenue_12m:sum"], 5000, "the other rep's left out")

    def test_supervisor_cannot_rewrite_the_history(self):
        """The churn analysis counts losses and what they cost from the stage history, which
        the pass and the stage wizard write: a supervisor records a loss's reason, nothing
        else."""
        move = self.moves[0].with_user(self.supervisor)
        for values in (
            {"revenue_12m": 1.0},
            {"margin_12m": 1.0},
            {"value_tier": "small"},
            {"stage_to_id": self.stable.id},
            {"date": date(2026, 1, 1)},
            {"partner_id": self.theirs.id},
        ):
            with self.subTest(values=values), self.assertRaises(AccessError):
                move.write(values)
        self.assertEqual((self.moves[0].revenue_12m, self.moves[0].value_tier), (5000, "key"))
        # the reason of a loss, through the card as the app records it
        self.mine.with_user(self.supervisor).churn_reason_id = self.price
        self.assertEqual(self.moves[0].churn_reason_id, self.price)

    def test_supervisor_cannot_add_or_erase_moves_and_grade_changes(self):
        """Neither a made-up loss nor an erased one: the history is the pass's record."""
        Moves = self.env["crm.customer.stage.history"].with_user(self.supervisor)
        with self.assertRaises(AccessError):
            Moves.create(
                {
                    "partner_id": self.mine.id,
                    "stage_from_id": self.dev.id,
                    "stage_to_id": self.interrupted.id,
                    "change": "interrupted",
                }
            )
        with self.assertRaises(AccessError):
            self.moves[0].with_user(self.supervisor).unlink()
        grade = self.env.ref("crm_customer_mgmt.credit_grade_d")
        change = (
            self.env["crm.credit.grade.history"]
            .sudo()
            .create({"partner_id": self.mine.id, "grade_to_id": grade.id, "score": 20.0})
        )
        Changes = change.with_user(self.supervisor)
        for attack in (
            lambda: Changes.write({"score": 90.0}),
            Changes.unlink,
            lambda: Changes.create({"partner_id": self.mine.id, "grade_to_id": grade.id}),
        ):
            with self.subTest(attack=attack), self.assertRaises(AccessError):
                attack()
        self.assertTrue(self.moves[0].exists() and change.score == 20.0)

    def test_a_rep_records_why_his_customer_left_from_the_card(self):
        """The reason set on the card goes to the latest loss of each customer, as the app's
        own act: the rep himself may not write the history."""
        first, second = (
            self._owned_customer("Left Co.", self.rep_a),
            self._owned_customer("Gone Too Co.", self.rep_a),
        )
        History = self.env["crm.customer.stage.history"].sudo()
        lines = History.create(
            [
                {
                    "partner_id": partner.id,
                    "stage_from_id": self.dev.id,
                    "stage_to_id": self.interrupted.id,
                    "date": day,
                    "change": "interrupted",
                }
                for partner, day in (
                    (first, date(2026, 3, 1)),
                    (first, date(2026, 5, 1)),
                    (second, date(2026, 4, 1)),
                )
            ]
        )
        (first | second).with_user(self.rep_a).write({"churn_reason_id": self.price.id})
        self.assertEqual(
            [line.churn_reason_id for line in lines],
            [self.price.browse(), self.price, self.price],
            "each customer's latest loss, not only the first customer's",
        )
