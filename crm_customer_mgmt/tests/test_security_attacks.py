"""Attacks on the app's promises through side doors: context defaults, writes that carry the
app's own mark further than meant, and public methods that run the pass as the superuser.
RPC calls are the model's methods called as that user."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.tools import owned_writer
from .common import REP, MetricsCase, SaleCreditCase

# a rep who is also an accounting administrator: he may set the debtor trust, nothing more
ACCOUNTING_REP = f"{REP},account.group_account_manager"


@tagged("post_install", "-at_install")
class TestSecurityAttacks(MetricsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="atk_rep", groups=REP, name="Han Rep")
        cls.accountant = new_test_user(
            cls.env, login="atk_acct", groups=ACCOUNTING_REP, name="Ma Ledger"
        )
        cls.clerk = new_test_user(cls.env, login="atk_clerk", groups="base.group_user")
        cls.grade_a = cls.env.ref("crm_customer_mgmt.credit_grade_a")
        cls.grade_d = cls.env.ref("crm_customer_mgmt.credit_grade_d")
        cls.customer = cls._customer("Attacked Co.")
        owned_writer(cls.customer).write(
            {"user_id": cls.accountant.id, "credit_grade_id": cls.grade_d.id}
        )
        cls.portal = new_test_user(cls.env, login="atk_portal", groups="base.group_portal")
        cls.portal.partner_id.parent_id = cls.customer
        cls.criterion = cls.env["crm.customer.evaluation.criterion"].create(
            {"name": "Attack criterion", "weight": 10}
        )

    # Context defaults -------------------------------------------------------------------

    def test_context_defaults_cannot_set_what_the_pass_owns(self):
        Partner = self.env["res.partner"].with_user(self.rep)
        attacks = {
            "default_credit_grade_id": self.grade_a.id,
            "default_credit_score": 99.0,
            "default_card_review_date": date(2026, 1, 1),
            "default_trust": "good",
        }
        for key, value in attacks.items():
            with self.subTest(key=key), self.assertRaises(AccessError):
                Partner.with_context(**{key: value}).create(
                    {"name": "Defaulted Co.", "is_company": True}
                )
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Defaulted Co.")]),
            "nothing was created",
        )
        created = Partner.with_context(default_is_company=True).create({"name": "Plain Co."})
        self.assertTrue(created.is_company, "other defaults still apply")
        self.assertFalse(created.credit_grade_id)

    # The debtor trust's stamp -----------------------------------------------------------

    def test_the_trust_stamp_does_not_approve_scores(self):
        card = self.customer.with_user(self.accountant)
        line = (
            self.env["crm.customer.evaluation"]
            .with_user(self.accountant)
            .create(
                {"partner_id": self.customer.id, "criterion_id": self.criterion.id, "score": 100}
            )
        )
        self.assertFalse(line.approved)
        with self.assertRaises(AccessError) as caught:  # rolled back, as an RPC call is
            card.write(
                {
                    "trust": "good",
                    "customer_evaluation_ids": [Command.update(line.id, {"approved": True})],
                }
            )
        self.assertIn("cannot be changed directly", str(caught.exception))
        self.env.invalidate_all()
        self.assertFalse(line.approved)
        self.assertFalse(line.approved_by_id)
        self.assertEqual(self.customer.trust, "normal")

    def test_the_trust_stamp_does_not_grade_new_contacts(self):
        card = self.customer.with_user(self.accountant)
        with self.assertRaises(AccessError) as caught:  # rolled back, as an RPC call is
            card.write(
                {
                    "trust": "good",
                    "child_ids": [
                        Command.create(
                            {
                                "name": "Graded Branch",
                                "is_company": True,
                                "credit_grade_id": self.grade_a.id,
                            }
                        )
                    ],
                }
            )
        self.assertIn("cannot be changed directly", str(caught.exception))
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Graded Branch")]))
        self.assertFalse(self.customer.credit_trust_set_by_id)

    def test_the_trust_alone_is_still_stamped(self):
        self.customer.with_user(self.accountant).write({"trust": "good"})
        self.assertEqual(self.customer.trust, "good")
        self.assertEqual(self.customer.credit_trust_set_by_id, self.accountant)
        self.assertTrue(self.customer.credit_trust_set_date)

    def test_outside_the_app_odoos_rules_still_set_the_trust(self):
        billing = new_test_user(
            self.env,
            login="atk_billing",
            groups="account.group_account_invoice,base.group_partner_manager",
            name="Du Billing",
        )
        self.customer.with_user(billing).write({"trust": "bad"})
        self.assertEqual(self.customer.trust, "bad")
        self.assertEqual(self.customer.credit_trust_set_by_id, billing)

    # The card's Refresh -----------------------------------------------------------------

    def test_only_the_apps_users_refresh_a_customer(self):
        self._pay(self._invoice(self.customer, date(2026, 6, 1), 500), date(2026, 6, 1))
        for user in (self.clerk, self.portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer.with_user(user).action_refresh_relationship()
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.last_order_date, "the pass did not run")
        self.assertFalse(self.customer.credit_score_explanation)
        self.assertEqual(self.customer.credit_grade_id, self.grade_d)

    def test_a_rep_refreshes_only_customers_he_may_edit(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.rep).action_refresh_relationship()
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.last_order_date)
        self.customer.with_user(self.accountant).action_refresh_relationship()
        self.assertTrue(self.customer.credit_score_explanation, "its own rep still refreshes it")


@tagged("post_install", "-at_install")
class TestForgedPrepayment(SaleCreditCase):
    """A billing user who is also a rep cannot make a blocked quotation look paid in full."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        billing = cls.env.ref("account.group_account_invoice")
        (cls.rep + cls.supervisor).sudo().write({"group_ids": [Command.link(billing.id)]})
        cls.provider = (
            cls.env["payment.provider"]
            .sudo()
            .create({"name": "Card on file", "code": "none", "state": "test"})
        )

    def _transaction(self, order, amount, state, reference):
        return (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                    "amount": amount,
                    "currency_id": order.currency_id.id,
                    "reference": reference,
                    "partner_id": order.partner_id.id,
                    "sale_order_ids": [Command.set(order.ids)],
                    "state": state,
                }
            )
        )

    def _assert_still_blocked(self, order):
        self.env.invalidate_all()
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.sudo().amount_paid)
        with self.assertRaises(UserError):
            order.with_user(self.rep).action_confirm()
        self.assertEqual(order.state, "draft")

    def test_linking_another_orders_payment_is_refused(self):
        order = self._quotation(self.blocked)
        paid = self._quotation(self.good)
        other_tx = self._transaction(paid, 1000.0, "done", "paid-elsewhere")
        with self.assertRaises(AccessError):
            order.with_user(self.rep).write({"transaction_ids": [Command.link(other_tx.id)]})
        self.assertEqual(other_tx.sale_order_ids, paid)
        self._assert_still_blocked(order)

    def test_editing_a_pending_payment_into_a_full_one_is_refused(self):
        order = self._quotation(self.blocked)
        pending = self._transaction(order, 1.0, "draft", "pending-one")
        with self.assertRaises(AccessError):
            pending.with_user(self.rep).write({"amount": 10000.0, "state": "done"})
        self.assertEqual((pending.amount, pending.state), (1.0, "draft"))
        self._assert_still_blocked(order)

    def test_the_payment_flow_and_supervisors_still_record_payments(self):
        order = self._quotation(self.blocked)
        pending = self._transaction(order, order.amount_total, "draft", "flow-one")
        pending.with_user(self.supervisor).write({"state": "done"})
        self.assertEqual(order.sudo().amount_paid, order.amount_total)
        cancelled = self._transaction(order, 1.0, "draft", "flow-two")
        cancelled.with_user(self.rep).write({"state": "cancel"})
        self.assertEqual(cancelled.state, "cancel", "a payment that does not count is no risk")
