from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from ..models.settings import METRICS_CURSOR
from ..models.tools import owned_writer
from .common import REP, MetricsCase

TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestSeveralCompanies(MetricsCase):
    """Two companies in two currencies sell to one customer: each keeps its own measures,
    stage, share, grade, histories, rules and warnings."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.eur = cls.setup_other_currency("EUR")
        cls.company_b = cls.setup_other_company(name="Branch B", currency_id=cls.eur.id)["company"]
        cls.env.user.company_ids |= cls.company_b
        cls.shared = cls._customer("Shared Trading Co.")
        cls.stages = cls.env["crm.customer.stage"].search([("active", "=", True)])
        cls.interrupted = cls.stages.filtered("is_interrupted")[:1]
        cls.entered = (cls.stages - cls.interrupted).sorted("sequence")[:1]

    def _invoice_in(self, company, when, amount, pay=False):
        move = self._invoice(self.shared, when, amount, company=company)
        if pay:
            self._pay(move, when)
        return move

    def _run_cron(self):
        Cron = type(self.env["ir.cron"])
        with freeze_time(TODAY), patch.object(Cron, "_commit_progress", return_value=100):
            self.Metrics._cron_refresh()
        self.env.invalidate_all()

    def _trade(self):
        """Company A sold last month and was paid; company B sold 200 days ago and was not."""
        self._invoice_in(self.company_a, TODAY - timedelta(days=30), 1000, pay=True)
        self._invoice_in(self.company_b, TODAY - timedelta(days=200), 400)

    def test_each_company_keeps_its_own_stage_and_grade(self):
        self._trade()
        self._run_cron()
        in_a = self.shared.with_company(self.company_a)
        in_b = self.shared.with_company(self.company_b)
        self.assertEqual(in_a.customer_stage_id, self.entered)
        self.assertEqual(in_b.customer_stage_id, self.interrupted, "no sale for 200 days in B")
        self.assertEqual(in_a.last_order_date, TODAY - timedelta(days=30))
        self.assertEqual(in_b.last_order_date, TODAY - timedelta(days=200))
        self.assertTrue(in_a.credit_grade_id and in_b.credit_grade_id)
        self.assertGreater(in_a.credit_score, in_b.credit_score, "B's invoice is overdue")
        self.assertIn("Oldest overdue (days): 200", in_b.credit_score_explanation)
        self.assertIn("Oldest overdue (days): 0 ", in_a.credit_score_explanation)
        # each company's history rows, not the other's
        History = self.env["crm.customer.stage.history"]
        rows = History.search([("partner_id", "=", self.shared.id)])
        self.assertEqual(
            {(row.company_id, row.stage_to_id) for row in rows},
            {(self.company_a, self.entered), (self.company_b, self.interrupted)},
        )
        grades = self.env["crm.credit.grade.history"].search([("partner_id", "=", self.shared.id)])
        self.assertEqual(set(grades.company_id), {self.company_a, self.company_b})

    def test_measures_are_in_each_company_currency(self):
        self._trade()
        self._run_cron()
        rows = self.env["crm.customer.metrics"].search([("partner_id", "=", self.shared.id)])
        by_company = {row.company_id: row for row in rows}
        self.assertEqual(by_company[self.company_a].sales_12m, 1000.0)
        # invoiced in B's own currency (EUR): its company currency, no conversion
        self.assertEqual(self.company_b.currency_id, self.eur)
        self.assertEqual(by_company[self.company_b].sales_12m, 400.0)
        self.assertEqual(by_company[self.company_b].open_receivable, 400.0)
        self.assertEqual(by_company[self.company_a].open_receivable, 0.0)

    def test_one_company_writes_leave_the_other_alone(self):
        self._trade()
        self._run_cron()
        in_b = self.shared.with_company(self.company_b)
        grade_b = in_b.credit_grade_id
        # a pass in A alone (the card's Refresh there) leaves B's values as they are
        with freeze_time(TODAY + timedelta(days=1)):
            self.Metrics.with_company(self.company_a)._pass_partners(
                self.shared, TODAY + timedelta(days=1)
            )
        self.env.invalidate_all()
        self.assertEqual(in_b.customer_stage_id, self.interrupted)
        self.assertEqual(in_b.credit_grade_id, grade_b)
        self.assertEqual(in_b.last_order_date, TODAY - timedelta(days=200))
        # the ORM's own search and grouping read the company's value
        Partner = self.env["res.partner"]
        self.assertIn(
            self.shared,
            Partner.with_company(self.company_b).search(
                [("customer_stage_id", "=", self.interrupted.id)]
            ),
        )
        self.assertNotIn(
            self.shared,
            Partner.with_company(self.company_a).search(
                [("customer_stage_id", "=", self.interrupted.id)]
            ),
        )

    def test_a_grade_held_in_another_company_is_not_deleted(self):
        grade = self.env["crm.credit.grade"].create({"name": "B-", "min_score": 55.5})
        owned_writer(self.shared.with_company(self.company_b)).credit_grade_id = grade
        self.assertFalse(self.shared.with_company(self.company_a).credit_grade_id)
        with self.assertRaisesRegex(UserError, "is held by 1 customers"):
            grade.with_company(self.company_a).unlink()
        owned_writer(self.shared.with_company(self.company_b)).credit_grade_id = False
        grade.unlink()
        self.assertFalse(grade.exists())

    def test_a_company_partner_is_measured_in_its_company_only(self):
        own = self.env["res.partner"].create(
            {
                "name": "Branch B Only Ltd.",
                "is_company": True,
                "customer_rank": 1,
                "company_id": self.company_b.id,
            }
        )
        self._run_cron()
        rows = self.env["crm.customer.metrics"].search([("partner_id", "=", own.id)])
        self.assertEqual(rows.company_id, self.company_b)
        self.assertFalse(own.sudo().with_company(self.company_a).customer_stage_id)
        self.assertTrue(own.sudo().with_company(self.company_b).customer_stage_id)

    def test_the_cron_resumes_in_the_company_where_time_ran_out(self):
        companies = self.company_a | self.company_b
        calls = []

        def progress(processed=0, remaining=None, deactivate=False):
            # time is up the first time company A is done, with B left to do
            calls.append(remaining)
            return 0 if calls.count(1) == 1 and remaining == 1 else 100

        Cron = type(self.env["ir.cron"])
        Params = self.env["ir.config_parameter"]
        for company in companies:
            Params.set_param(METRICS_CURSOR.key_in(self._env_in(company)), "")
        with (
            freeze_time(TODAY),
            patch.object(type(self.Metrics), "_pass_companies", lambda model: companies),
            patch.object(Cron, "_commit_progress", side_effect=progress, autospec=False),
        ):
            self.Metrics._cron_refresh()
            cursor_b = Params.get_param(METRICS_CURSOR.key_in(self._env_in(self.company_b)))
            self.Metrics._cron_refresh()
        cursor_a = Params.get_param(METRICS_CURSOR.key_in(self._env_in(self.company_a)))
        self.assertEqual(cursor_a, f"{TODAY}:done")
        self.assertFalse(cursor_b, "B had not started when time ran out")
        self.assertEqual(
            Params.get_param(METRICS_CURSOR.key_in(self._env_in(self.company_b))), f"{TODAY}:done"
        )
        self.assertIn(1, calls, "B was counted as left to do, so the cron is rescheduled")

    def test_a_rule_reads_its_own_company_amounts(self):
        self._trade()
        self._run_cron()
        Rule = self.env["crm.customer.warning.rule"]
        values = {
            "metric": "overdue_amount",
            "operator": ">=",
            "threshold": 100,
            "period_days": 90,
            "severity": "warning",
            "partner_domain": f"[('id', '=', {self.shared.id})]",
        }
        rule_a = Rule.create({**values, "name": "Overdue in A", "company_id": self.company_a.id})
        rule_b = Rule.create({**values, "name": "Overdue in B", "company_id": self.company_b.id})
        Cron = type(self.env["ir.cron"])
        with freeze_time(TODAY), patch.object(Cron, "_commit_progress", return_value=100):
            (rule_a | rule_b)._evaluate_all()
        warnings = self.env["crm.customer.warning"].search([("partner_id", "=", self.shared.id)])
        self.assertEqual(warnings.rule_id, rule_b, "only B's invoice is overdue")
        self.assertEqual(warnings.company_id, self.company_b)
        self.assertEqual(warnings.value, 400.0, "B's amount, in B's currency")

    def test_the_digest_counts_the_manager_companies_only(self):
        self._trade()
        self._run_cron()
        rule = self.env["crm.customer.warning.rule"].create(
            {
                "name": "Overdue in B",
                "company_id": self.company_b.id,
                "metric": "overdue_amount",
                "operator": ">=",
                "threshold": 100,
                "severity": "critical",
                "partner_domain": f"[('id', '=', {self.shared.id})]",
            }
        )
        Cron = type(self.env["ir.cron"])
        with freeze_time(TODAY), patch.object(Cron, "_commit_progress", return_value=100):
            rule._evaluate_all()
        Warning = self.env["crm.customer.warning"]

        def critical(companies):
            manager = new_test_user(
                self.env,
                login=f"mc_manager_{len(companies)}",
                groups="crm_customer_mgmt.group_customer_mgmt_manager",
                company_id=companies[0].id,
                company_ids=[Command.set(companies.ids)],
            )
            rows = (
                Warning.with_user(manager)
                .with_context(allowed_company_ids=companies.ids)
                ._digest_rows(TODAY - timedelta(days=7))
            )
            return sum(counts["critical"] for _user, counts in rows)

        self.assertEqual(critical(self.company_a), 0, "B's warning is not A's manager's")
        self.assertEqual(critical(self.company_a | self.company_b), 1)

    def test_a_user_sees_only_his_companies_histories(self):
        self._trade()
        self._run_cron()
        rep = new_test_user(
            self.env,
            login="mc_rep",
            groups="crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman",
            company_id=self.company_a.id,
            company_ids=[Command.set(self.company_a.ids)],
        )
        History = self.env["crm.customer.stage.history"].with_user(rep)
        rows = History.search([("partner_id", "=", self.shared.id)])
        self.assertEqual(rows.company_id, self.company_a)
        grades = self.env["crm.credit.grade.history"].with_user(rep)
        self.assertEqual(
            grades.search([("partner_id", "=", self.shared.id)]).company_id, self.company_a
        )


@tagged("post_install", "-at_install")
class TestSeveralCompaniesSale(MetricsCase):
    """An order checks the grade its own company gave the customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.setup_other_company(name="Branch S")["company"]
        cls.env.user.company_ids |= cls.company_b
        cls.rep = new_test_user(
            cls.env,
            login="mc_sale_rep",
            groups=REP,
            company_id=cls.company_a.id,
            company_ids=[Command.set((cls.company_a | cls.company_b).ids)],
        )
        cls.customer = cls._customer("Two Grades Co.")
        owned_writer(cls.customer).write({"user_id": cls.rep.id})
        grade_a = cls.env.ref("crm_customer_mgmt.credit_grade_a")
        grade_d = cls.env.ref("crm_customer_mgmt.credit_grade_d")
        owned_writer(cls.customer.with_company(cls.company_a)).write(
            {"credit_grade_id": grade_a.id, "credit_score": 80.0}
        )
        owned_writer(cls.customer.with_company(cls.company_b)).write(
            {"credit_grade_id": grade_d.id, "credit_score": 20.0}
        )

    def _quotation(self, company):
        return (
            self.env["sale.order"]
            .with_user(self.rep)
            .with_company(company)
            .create(
                {
                    "partner_id": self.customer.id,
                    "company_id": company.id,
                    "order_line": [Command.create({"product_id": self.products[0].id})],
                }
            )
        )

    def test_the_order_company_grade_decides(self):
        order_a = self._quotation(self.company_a)
        order_b = self._quotation(self.company_b)
        self.assertEqual(order_a.customer_credit_grade_id.name, "A")
        self.assertEqual(order_b.customer_credit_grade_id.name, "D")
        order_a.action_confirm()
        self.assertEqual(order_a.state, "sale", "grade A in company A")
        with (
            self.assertRaisesRegex(UserError, "Only a customer manager can confirm"),
            self.env.cr.savepoint(),
        ):
            order_b.action_confirm()
        order_b.invalidate_recordset()
        self.assertEqual(order_b.state, "draft", "grade D in company B blocks the rep")
