from odoo import SUPERUSER_ID, Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from ..models.tools import owned_writer
from .common import REP, SaleCreditCase

# a 1x1 PNG, as the portal's signature pad sends it
SIGNATURE = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6"
    "kgAAAABJRU5ErkJggg=="
)
OVERRIDE_NOTE = "despite the customer's credit block"


@tagged("post_install", "-at_install")
class TestSuperuserIsNoSupervisor(SaleCreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = (
            cls.env["payment.provider"]
            .sudo()
            .create(
                {
                    "name": "Card on file",
                    "code": "none",
                    "state": "test",
                    "payment_method_ids": [
                        Command.set(cls.env.ref("payment.payment_method_unknown").ids)
                    ],
                }
            )
        )
        cls._create_dummy_payment_method_for_provider(
            provider=cls.provider, journal=cls.company_data["default_journal_bank"]
        )

    def _sign_as_the_portal_does(self, order):
        """What /my/orders/<id>/accept runs: the order as OdooBot, signed, then validated."""
        order_sudo = order.with_user(SUPERUSER_ID)
        order_sudo.write(
            {"signed_by": "Li Wei", "signed_on": fields.Datetime.now(), "signature": SIGNATURE}
        )
        order_sudo._validate_order()

    def _pay_online(self, order, ratio, state="authorized"):
        order.sudo().write({"require_payment": True, "prepayment_percent": ratio})
        self.provider.support_manual_capture = "full_only"  # authorizing is the provider's
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": self.provider.id,
                    "payment_method_id": self.env.ref("payment.payment_method_unknown").id,
                    "amount": order.amount_total * ratio,
                    "currency_id": order.currency_id.id,
                    "reference": f"{order.name}-{ratio}",
                    "operation": "online_redirect",
                    "partner_id": order.partner_invoice_id.id,
                    "sale_order_ids": [Command.set(order.ids)],
                    "state": state,
                }
            )
        )
        tx._post_process()
        return tx

    def test_odoobot_holds_no_supervisor_rights(self):
        root = self.env.ref("base.user_root")
        group = self.env.ref("crm_customer_mgmt.group_customer_mgmt_manager")
        self.assertNotIn(root, group.with_context(active_test=False).user_ids)
        self.assertFalse(root._is_customer_supervisor())
        self.assertTrue(self.supervisor._is_customer_supervisor())
        Users = self.env["res.users"]
        self.assertTrue(Users.with_user(self.supervisor)._acts_as_customer_supervisor())
        self.assertFalse(Users.with_user(self.supervisor).sudo()._acts_as_customer_supervisor())
        self.assertFalse(Users.with_user(SUPERUSER_ID)._acts_as_customer_supervisor())

    def test_portal_signature_leaves_a_blocked_quotation_to_a_supervisor(self):
        order = self._quotation(self.blocked, require_signature=True, require_payment=False)
        self._sign_as_the_portal_does(order)
        self.assertIn(order.state, ("draft", "sent"))
        self.assertEqual(order.signed_by, "Li Wei")
        self.assertTrue(order.signature)
        self.assertFalse(self._notes(order, "Confirmed"))
        self.assertEqual(self._credit_activities(order).user_id, self.leader)
        self.assertTrue(self._notes(order, "accepted this quotation online"))
        self.assertNotIn("grade", self._notes(order, "accepted this quotation online").body)
        self._sign_as_the_portal_does(order)
        self.assertEqual(len(self._credit_activities(order)), 1, "one activity per order")

    def test_portal_signature_still_confirms_a_good_customers_quotation(self):
        order = self._quotation(self.good, require_signature=True, require_payment=False)
        self._sign_as_the_portal_does(order)
        self.assertEqual(order.state, "sale")
        self.assertFalse(self._credit_activities(order))

    def test_full_online_prepayment_confirms_a_blocked_order(self):
        order = self._quotation(self.blocked)
        self._pay_online(order, 1.0)
        self.assertEqual(order.state, "sale")
        self.assertTrue(self._notes(order, "paid in full online"))
        self.assertFalse(self._credit_activities(order))

    def test_a_done_full_payment_confirms_too(self):
        order = self._quotation(self.blocked)
        order.sudo().write({"require_payment": True, "prepayment_percent": 1.0})
        self.assertEqual(order.amount_paid, 0)
        with self.assertRaises(UserError):
            order.with_user(self.rep).action_confirm()
        self._pay_online(order, 1.0, state="done")
        self.assertEqual(order.state, "sale")

    def test_a_partial_online_payment_leaves_it_to_a_supervisor(self):
        order = self._quotation(self.blocked)
        self._pay_online(order, 0.3)
        self.assertIn(order.state, ("draft", "sent"))
        self.assertEqual(self._credit_activities(order).user_id, self.leader)
        self.assertTrue(self._notes(order, "does not cover the whole order"))

    def test_the_superuser_cannot_force_the_state_either(self):
        order = self._quotation(self.blocked)
        with self.assertRaises(UserError):
            order.with_user(SUPERUSER_ID).write({"state": "sale"})
        self.assertEqual(order.state, "draft")


@tagged("post_install", "-at_install")
class TestAskASupervisor(SaleCreditCase):
    def test_refusal_names_the_reason_and_who_confirms(self):
        order = self._quotation(self.blocked)
        self.assertTrue(order.credit_confirm_blocked)
        self.assertFalse(order.with_user(self.supervisor).credit_confirm_blocked)
        with self.assertRaises(UserError) as caught:
            order.action_confirm()
        message = str(caught.exception)
        self.assertIn("Blocked Co. has credit grade D (score 21.5)", message)
        self.assertIn("Gao Feng", message)
        self.assertIn("Ask a supervisor to confirm", message)
        self.assertEqual(order.state, "draft")

    def test_asking_schedules_one_activity_and_a_note(self):
        order = self._quotation(self.blocked)
        order.action_request_credit_override()
        order.action_request_credit_override()
        activity = self._credit_activities(order)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.leader)
        notes = self._notes(order, "Wu Lei asks a supervisor to confirm")
        self.assertEqual(len(notes), 1)
        self.assertEqual(notes.subtype_id, self.env.ref("mail.mt_note"))
        self.assertNotIn("grade", notes.body)
        self.assertEqual(order.state, "draft")

    def test_without_a_team_leader_the_unowned_responsible_decides(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_customer_mgmt.unowned_responsible_id", str(self.supervisor.id)
        )
        customer = self._graded_customer("Lone Co.", self.grade_d, 10.0)
        customer.sudo().user_id = new_test_user(
            self.env, login="lone_rep", groups="crm_customer_mgmt.group_customer_mgmt_user"
        )
        order = self._quotation(customer, user=self.supervisor)
        order.action_request_credit_override()
        self.assertEqual(self._credit_activities(order).user_id, self.supervisor)

    def test_a_good_customer_needs_no_supervisor(self):
        order = self._quotation(self.good)
        self.assertFalse(order.credit_confirm_blocked)
        order.action_request_credit_override()
        self.assertFalse(self._credit_activities(order))

    def test_supervisor_confirms_with_a_note_that_names_no_grade(self):
        order = self._quotation(self.blocked)
        order.action_request_credit_override()
        order.with_user(self.supervisor).action_confirm()
        self.assertEqual(order.state, "sale")
        note = self._notes(order, f"Confirmed by Gao Feng {OVERRIDE_NOTE}")
        self.assertEqual(len(note), 1)
        self.assertNotIn("grade", note.body)


@tagged("post_install", "-at_install")
class TestEveryPartyIsChecked(SaleCreditCase):
    def test_a_blocked_invoice_or_delivery_address_blocks_confirmation(self):
        for field, address in (
            ("partner_invoice_id", self.blocked_invoice),
            ("partner_shipping_id", self.blocked_delivery),
        ):
            order = self._quotation(self.good, **{field: address.id})
            self.assertTrue(order.credit_confirm_blocked)
            self.assertIn("Blocked Co. has credit grade D", order.credit_grade_warning)
            with self.assertRaises(UserError):
                order.action_confirm()
            with self.assertRaises(UserError):
                order.write({"state": "sale"})
            self.assertEqual(order.state, "draft")
            with self.assertRaises(UserError):
                self.env["sale.order"].with_user(self.rep).create(
                    {"partner_id": self.good.id, field: address.id, "state": "sale"}
                )

    def test_a_confirmed_order_cannot_be_switched_to_a_blocked_party(self):
        order = self._quotation(self.good)
        order.action_confirm()
        for field, party in (
            ("partner_id", self.blocked),
            ("partner_invoice_id", self.blocked_invoice),
            ("partner_shipping_id", self.blocked_delivery),
        ):
            with self.assertRaises(UserError) as caught:
                order.write({field: party.id})
            self.assertIn("Blocked Co.", str(caught.exception))
            self.assertEqual(order.partner_id, self.good)
            self.assertEqual(order.partner_invoice_id, self.good)
            self.assertEqual(order.partner_shipping_id, self.good)

    def test_a_supervisor_may_switch_with_a_note(self):
        order = self._quotation(self.good)
        order.action_confirm()
        order.with_user(self.supervisor).partner_shipping_id = self.blocked_delivery
        self.assertEqual(order.partner_shipping_id, self.blocked_delivery)
        self.assertTrue(self._notes(order, "Gao Feng changed a party of this confirmed order"))
        # within the blocked company's own addresses, nothing new is at stake
        order.partner_invoice_id = self.blocked_invoice
        self.assertEqual(order.partner_invoice_id, self.blocked_invoice)

    def test_a_quotation_may_change_parties(self):
        order = self._quotation(self.good)
        order.partner_shipping_id = self.blocked_delivery
        self.assertEqual(order.partner_shipping_id, self.blocked_delivery)


@tagged("post_install", "-at_install")
class TestConfirmedOrdersDoNotGrow(SaleCreditCase):
    """A downgrade to a blocking grade stops confirmed orders from growing."""

    def setUp(self):
        super().setUp()
        self.order = self._quotation(self.good)
        self.order.action_confirm()
        owned_writer(self.good).credit_grade_id = self.grade_d
        self.total = self.order.amount_total

    def test_a_rep_cannot_add_to_it(self):
        line = self.order.order_line
        attacks = (
            {"order_line": [Command.create({"product_id": self.products[1].id})]},
            {"order_line": [Command.update(line.id, {"product_uom_qty": 10000})]},
            {"order_line": [Command.update(line.id, {"price_unit": 99999})]},
        )
        for values in attacks:
            with self.subTest(values=values), self.assertRaises(UserError) as caught:
                self.order.write(values)
            self.assertIn("cannot grow", str(caught.exception))
        with self.assertRaises(UserError):
            self.env["sale.order.line"].with_user(self.rep).create(
                {"order_id": self.order.id, "product_id": self.products[2].id}
            )
        self.assertEqual(self.order.amount_total, self.total)
        self.assertEqual(len(self.order.order_line), 1)

    def test_a_supervisor_may_add_and_a_rep_may_shrink(self):
        line = self.order.order_line
        self.order.with_user(self.supervisor).write(
            {"order_line": [Command.update(line.id, {"product_uom_qty": 3})]}
        )
        self.assertEqual(self.order.amount_total, 3 * self.total)
        line.with_user(self.rep).product_uom_qty = 2
        self.assertEqual(self.order.amount_total, 2 * self.total)


@tagged("post_install", "-at_install")
class TestOrdersForOwnCustomers(SaleCreditCase):
    """A rep makes orders only for customers whose card he may read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_rep = new_test_user(cls.env, login="sale_other_rep", groups=REP)
        cls.theirs = cls._customer("Their Co.")
        cls.theirs.user_id = cls.other_rep

    def test_no_quotation_for_another_reps_customer(self):
        Order = self.env["sale.order"].with_user(self.rep)
        with self.assertRaisesRegex(AccessError, "customers whose card you may read"):
            Order.create({"partner_id": self.theirs.id})
        self.assertFalse(self.env["sale.order"].search([("partner_id", "=", self.theirs.id)]))

    def test_no_quotation_through_a_context_default(self):
        Order = self.env["sale.order"].with_user(self.rep)
        with self.assertRaises(AccessError):
            Order.with_context(default_partner_id=self.theirs.id).create({})
        self.assertFalse(self.env["sale.order"].search([("partner_id", "=", self.theirs.id)]))

    def test_no_repointing_an_order_to_another_reps_customer(self):
        order = self._quotation(self.good)
        for field in ("partner_id", "partner_invoice_id", "partner_shipping_id"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                order.write({field: self.theirs.id})
        self.assertEqual(order.partner_id, self.good)

    def test_the_owner_and_a_supervisor_still_can(self):
        Order = self.env["sale.order"]
        orders = Order.with_user(self.other_rep).create({"partner_id": self.theirs.id})
        orders |= Order.with_user(self.supervisor).create({"partner_id": self.theirs.id})
        self.assertEqual(orders.partner_id, self.theirs)


@tagged("post_install", "-at_install")
class TestGradePaymentTerms(SaleCreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Term = cls.env["account.payment.term"]
        cls.immediate, cls.net_30, cls.next_month_end = Term.create(
            [
                {"name": name, "line_ids": [Command.create({"value": "percent", **line})]}
                for name, line in (
                    ("Pay now", {"value_amount": 100, "nb_days": 0}),
                    ("Net 30", {"value_amount": 100, "nb_days": 30}),
                    (
                        "End of next month",
                        {
                            "value_amount": 100,
                            "nb_days": 0,
                            "delay_type": "days_after_end_of_next_month",
                        },
                    ),
                )
            ]
        )
        cls.grade_d.payment_term_id = cls.immediate
        cls.grade_a.payment_term_id = cls.net_30
        (cls.blocked + cls.good).sudo().property_payment_term_id = cls.next_month_end

    def test_new_quotations_get_the_grades_terms(self):
        with Form(self.env["sale.order"].with_user(self.rep)) as form:
            form.partner_id = self.good
            self.assertEqual(form.payment_term_id, self.net_30)
            form.partner_id = self.blocked
            self.assertEqual(form.payment_term_id, self.immediate)
        self.assertEqual(self._quotation(self.good).payment_term_id, self.net_30)

    def test_stricter_terms_of_the_customer_stay(self):
        self.good.sudo().property_payment_term_id = self.immediate
        self.assertEqual(self._quotation(self.good).payment_term_id, self.immediate)

    def test_a_rep_cannot_soften_the_terms(self):
        order = self._quotation(self.good)
        with self.assertRaises(ValidationError) as caught:
            with Form(order) as form:
                form.payment_term_id = self.next_month_end
        self.assertIn("Only a supervisor can grant longer terms", str(caught.exception))
        self.assertIn("Net 30", str(caught.exception))
        with self.assertRaises(ValidationError):
            order.write({"payment_term_id": self.next_month_end.id})
        with self.assertRaises(ValidationError):
            self._quotation(self.good, payment_term_id=self.next_month_end.id)
        self.assertEqual(order.payment_term_id, self.net_30)
        order.payment_term_id = self.immediate  # stricter is always fine
        self.assertEqual(order.payment_term_id, self.immediate)

    def test_a_supervisor_may_soften_the_terms(self):
        order = self._quotation(self.good, user=self.supervisor)
        with Form(order) as form:
            form.payment_term_id = self.next_month_end
        self.assertEqual(order.payment_term_id, self.next_month_end)

    def test_a_grade_without_terms_changes_nothing(self):
        self.grade_a.payment_term_id = False
        order = self._quotation(self.good)
        self.assertEqual(order.payment_term_id, self.next_month_end)


@tagged("post_install", "-at_install")
class TestGradeOffThePortal(SaleCreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        owned_writer(cls.blocked).credit_score_explanation = "Zeta explanation of the score"
        cls.grade_d.policy = "Zeta policy: cash in advance"
        cls.portal_user = new_test_user(
            cls.env, login="blocked_portal", groups="base.group_portal", name="Blocked Buyer"
        )
        cls.portal_user.partner_id.parent_id = cls.blocked

    def test_portal_user_reads_nothing_of_the_grade(self):
        order = self._quotation(self.blocked)
        order.sudo().partner_id = self.portal_user.partner_id
        self.assertIn("Zeta policy", order.credit_grade_warning)
        as_portal = order.with_user(self.portal_user)
        as_portal.check_access("read")
        for name in ("credit_grade_warning", "customer_credit_grade_id", "credit_confirm_blocked"):
            with self.assertRaises(AccessError):
                as_portal.read([name])
        self.assertEqual(as_portal.read(["name"])[0]["name"], order.name)
        self.assertFalse(
            {"credit_grade_warning", "customer_credit_grade_id", "credit_confirm_blocked"}
            & as_portal.fields_get().keys()
        )

    def test_the_quotation_pdf_shows_no_grade(self):
        order = self._quotation(self.blocked)
        html = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_html("sale.action_report_saleorder", order.ids)[0]
            .decode()
        )
        self.assertIn(order.name, html)
        for secret in ("Zeta", "21.5", "credit grade"):
            self.assertNotIn(secret, html)


@tagged("post_install", "-at_install")
class TestPortalRoutes(HttpCase):
    """The real portal routes, as a customer with the quotation's link uses them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grade = cls.env["crm.credit.grade"].create(
            {
                "name": "Zeta-Watch",
                "min_score": 7,
                "block_order_confirmation": True,
                "warn_on_quotation": True,
                "policy": "Zeta policy: cash in advance",
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Zeta Trading", "is_company": True, "email": "zeta@example.com"}
        )
        owned_writer(cls.customer).write(
            {
                "credit_grade_id": cls.grade.id,
                "credit_score": 13.7,
                "credit_score_explanation": "Zeta explanation of the score",
            }
        )
        product = cls.env["product.product"].create({"name": "Kettle", "list_price": 40})
        cls.order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "require_signature": True,
                "require_payment": False,
                "order_line": [Command.create({"product_id": product.id})],
            }
        )
        cls.order._portal_ensure_token()

    def test_the_portal_page_shows_no_grade(self):
        self.assertIn("Zeta policy", self.order.credit_grade_warning)
        response = self.url_open(self.order.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.order.name, response.text)
        for secret in ("Zeta-Watch", "Zeta policy", "Zeta explanation", "13.7"):
            self.assertNotIn(secret, response.text)

    def test_signing_keeps_a_blocked_quotation_without_an_error(self):
        result = self.make_jsonrpc_request(
            f"/my/orders/{self.order.id}/accept",
            {"access_token": self.order.access_token, "name": "Li Wei", "signature": SIGNATURE},
        )
        self.assertTrue(result.get("force_refresh"), result)
        self.assertIn(self.order.state, ("draft", "sent"))
        self.assertEqual(self.order.signed_by, "Li Wei")
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", self.order.id)]
        )
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("crm_customer_mgmt.mail_activity_type_credit_decision"),
        )
