import re
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..engine.credit import NEUTRAL_SCORE
from ..models.tools import owned_writer
from .common import MetricsCase

TODAY = date(2026, 6, 30)
REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman_all_leads"


@tagged("post_install", "-at_install")
class TestCredit(MetricsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grade_d = cls.env.ref("crm_customer_mgmt.credit_grade_d")
        cls.rep = new_test_user(cls.env, login="credit_rep", groups=REP)
        cls.manager = new_test_user(cls.env, login="credit_mgr", groups=MANAGER, name="Gao Feng")

    def _metrics(self, partner):
        return self.Metrics.search([("partner_id", "=", partner.id)])

    def _explained_points(self, partner):
        explanation = partner.credit_score_explanation
        return [float(points) for points in re.findall(r"→ (\S+) / [\d.]+ points", explanation)]

    def test_punctual_payer_scores_above_late_payer(self):
        punctual, late = self._customer("Punctual Co."), self._customer("Late Co.")
        for partner, paid_on in ((punctual, date(2026, 3, 1)), (late, date(2026, 5, 30))):
            self._pay(self._invoice(partner, date(2026, 3, 1), 1000), paid_on)
        self._pass(punctual | late, TODAY)
        self.assertEqual(self._metrics(punctual).paid_late_days, 0)
        self.assertEqual(self._metrics(late).paid_late_days, 90)
        self.assertGreater(punctual.credit_score, late.credit_score)
        self.assertGreater(punctual.credit_grade_id.min_score, late.credit_grade_id.min_score)
        self.assertIn("Days paid late: 90", late.credit_score_explanation)

    def test_partial_payments_count_at_their_dates(self):
        customer = self._customer("Partial Co.")
        invoice = self._invoice(customer, date(2026, 3, 1), 1000)
        self._pay(invoice, date(2026, 3, 11), 500)
        self._pay(invoice, date(2026, 4, 10), 500)
        self._pass(customer, TODAY)
        self.assertEqual(self._metrics(customer).paid_late_days, 25)  # (500*10 + 500*40) / 1000

    def test_overdue_and_an_unapplied_credit_note(self):
        customer = self._customer("Overdue Co.")
        self._invoice(customer, date(2026, 3, 1), 1000)
        self._invoice(customer, date(2026, 3, 15), 400, move_type="out_refund")
        self._invoice(customer, date(2026, 6, 30), 200)  # due today: not overdue
        self._pass(customer, TODAY)
        metrics = self._metrics(customer)
        self.assertEqual(
            (metrics.open_receivable, metrics.overdue_amount, metrics.overdue_days),
            (800, 600, 121),
        )
        self.assertIn("Overdue share of receivable (%): 75.0", customer.credit_score_explanation)

    def test_foreign_currency_counts_in_company_currency(self):
        other = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        customer = self._customer("Euro Co.")
        self._invoice(customer, date(2026, 4, 1), 1000, currency=other)
        self._pass(customer, TODAY)
        self.assertEqual(self._metrics(customer).open_receivable, 500)

    def test_no_history_is_neutral_and_labelled(self):
        customer = self._customer("New Co.")
        self._pass(customer, TODAY)
        self.assertEqual(customer.credit_score, NEUTRAL_SCORE)
        self.assertTrue(customer.credit_no_history)
        self.assertIn("No invoice history", customer.credit_score_explanation)
        self.assertEqual(
            customer.credit_grade_id, self.env.ref("crm_customer_mgmt.credit_grade_b")
        )
        self.assertEqual(customer.credit_recommended_limit, 0)

    def test_explanation_parts_sum_to_the_score(self):
        customer = self._customer("Explained Co.")
        self._pay(self._invoice(customer, date(2025, 1, 10), 3000), date(2025, 2, 20))
        self._pay(self._invoice(customer, date(2026, 2, 1), 1200), date(2026, 3, 5))
        self._invoice(customer, date(2026, 5, 1), 800)
        self._pass(customer, TODAY)
        points = self._explained_points(customer)
        self.assertGreaterEqual(len(points), 5)
        self.assertAlmostEqual(sum(points), customer.credit_score, places=6)
        self.assertIn(f"Score: {customer.credit_score}", customer.credit_score_explanation)

    def test_grade_change_history_and_recommended_limit(self):
        customer = self._customer("Changing Co.")
        self._pay(self._invoice(customer, date(2026, 1, 5), 1200), date(2026, 1, 5))
        self._pass(customer, TODAY)
        first = customer.credit_grade_id
        self.assertEqual(len(customer.credit_grade_history_ids), 1)
        # recommended limit: the grade's months x 1200 / 12 a month, rounded to 100
        self.assertEqual(
            customer.credit_recommended_limit, round(first.credit_limit_factor * 1) * 100
        )
        self._invoice(customer, date(2026, 2, 1), 5000)  # never paid: 149 days overdue
        self._pass(customer, date(2026, 7, 1))
        self.assertNotEqual(customer.credit_grade_id, first)
        change = customer.credit_grade_history_ids.sorted("id")[-1]
        self.assertEqual(
            (change.grade_from_id, change.grade_to_id), (first, customer.credit_grade_id)
        )
        self.assertEqual(change.explanation, customer.credit_score_explanation)
        self.assertFalse(
            customer.message_ids.filtered(lambda m: "Credit grade" in (m.body or "")),
            "grades stay off the chatter every employee reads",
        )

    def test_days_sales_outstanding_is_odoos_own(self):
        owing, paid = self._customer("Owing Co."), self._customer("Paid Co.")
        self._invoice(owing, date(2026, 3, 1), 1000)
        self._pay(self._invoice(paid, date(2026, 3, 1), 1000), date(2026, 3, 10))
        Partner = type(self.env["res.partner"])
        original = Partner._credit_values
        used = {}

        def credit_values(partner, *args):
            values = original(partner, *args)
            used[partner] = values["dso"]
            return values

        with patch.object(Partner, "_credit_values", credit_values):
            self._pass(owing | paid, TODAY)
        with freeze_time(TODAY):
            self.assertAlmostEqual(used[owing], owing.days_sales_outstanding, places=6)
            self.assertEqual(used[paid], paid.days_sales_outstanding)
        self.assertGreater(used[owing], 100, "1,000 owed on 1,000 sold 121 days ago")
        self.assertEqual(used[paid], 0.0)

    def test_rerun_changes_nothing(self):
        customer = self._customer("Steady Co.")
        self._pay(self._invoice(customer, date(2026, 2, 1), 900), date(2026, 2, 20))
        self._pass(customer, TODAY)
        self.env.flush_all()
        before = (
            customer.write_date,
            customer.credit_score,
            len(customer.credit_grade_history_ids),
        )
        self._pass(customer, TODAY)
        self.env.flush_all()
        customer.invalidate_recordset()
        after = (
            customer.write_date,
            customer.credit_score,
            len(customer.credit_grade_history_ids),
        )
        self.assertEqual(before, after)

    def test_grade_and_factor_refusals(self):
        Grade = self.env["crm.credit.grade"]
        with self.assertRaises(ValidationError) as caught:
            Grade.create({"name": "Z", "min_score": 40})
        self.assertIn("overlap", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            self.grade_d.min_score = 10
        self.assertIn("start at a score of 0", str(caught.exception))
        with self.assertRaises(ValidationError):
            Grade.create({"name": "Neg", "min_score": 30, "credit_limit_factor": -1})
        factors = self.env["crm.credit.factor"].search([])
        with self.assertRaises(ValidationError) as caught:
            factors.write({"weight": 0})
        self.assertIn("weight above zero", str(caught.exception))
        with self.assertRaises(ValidationError):
            factors[0].weight = -3
        with self.assertRaises(ValidationError) as caught:
            factors[0].write({"good": 5, "bad": 5})
        self.assertIn("different values", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            factors[0].key = "no_such_measure"
        self.assertIn("Unknown credit factor measure: no_such_measure.", str(caught.exception))
        self.assertNotEqual(factors[0].key, "no_such_measure")

    def _blocked_customer(self):
        customer = self._customer("Blocked Co.")
        owned_writer(customer).write(
            {"user_id": self.rep.id, "credit_grade_id": self.grade_d.id, "credit_score": 21.5}
        )
        return customer

    def _quotation(self, customer, user):
        return (
            self.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [Command.create({"product_id": self.products[0].id})],
                }
            )
        )

    def test_blocked_grade_refuses_a_reps_confirmation_on_every_path(self):
        customer = self._blocked_customer()
        order = self._quotation(customer, self.rep)
        self.assertIn("credit grade D (score 21.5)", order.credit_grade_warning)
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        self.assertIn("Only a customer manager can confirm it", str(caught.exception))
        self.assertIn("Gao Feng", str(caught.exception))
        with self.assertRaises(UserError):
            order.copy().action_confirm()
        with self.assertRaises(UserError):
            order.write({"state": "sale"})
        with self.assertRaises(UserError):
            self.env["sale.order"].with_user(self.rep).create(
                {"partner_id": customer.id, "state": "sale"}
            )
        self.assertEqual(order.state, "draft")

    def test_manager_confirmation_goes_through_and_is_logged(self):
        customer = self._blocked_customer()
        order = self._quotation(customer, self.rep)
        order.with_user(self.manager).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.credit_grade_warning, "no banner once confirmed")
        self.assertTrue(
            order.message_ids.filtered(
                lambda m: "Confirmed by Gao Feng despite the customer's credit block"
                in (m.body or "")
            )
        )

    def test_a_good_grade_does_not_block(self):
        customer = self._customer("Good Co.")
        owned_writer(customer).credit_grade_id = self.env.ref("crm_customer_mgmt.credit_grade_a")
        order = self._quotation(customer, self.rep)
        self.assertFalse(order.credit_grade_warning)
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def test_only_managers_apply_the_recommended_limit(self):
        customer = self._customer("Limit Co.")
        owned_writer(customer).write({"user_id": self.rep.id, "credit_recommended_limit": 2400})
        with self.assertRaises(AccessError):
            customer.with_user(self.rep).action_apply_recommended_credit_limit()
        customer.with_user(self.manager).action_apply_recommended_credit_limit()
        self.assertEqual(customer.sudo().credit_limit, 2400)
        self.assertTrue(customer.use_partner_credit_limit)
        self.assertIn("Credit limit set from 0.0 to 2400", customer.message_ids[0].body)

    def test_quadrant(self):
        customer = self._customer("Quadrant Co.")
        self._pay(self._invoice(customer, date(2023, 1, 5), 100), date(2023, 1, 5))
        self._pay(self._invoice(customer, date(2026, 6, 1), 9000), date(2026, 6, 1))
        owned_writer(customer).abc_class = "A"
        self._pass(customer, TODAY)
        self.assertEqual(customer.credit_sales_quadrant, "star")
