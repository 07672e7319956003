from datetime import date, datetime, time, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from ..engine import incremental
from . import test_metrics_incremental as proof
from .common import SUPERVISOR, MetricsCase, age_writes

D0, D1, Rollback = proof.D0, proof.D1, proof.Rollback


@tagged("post_install", "-at_install")
class TestIncrementalPassGaps(MetricsCase):
    """Things done between two nights that an incremental night must see as a full one does:
    each test builds its customers, runs the full night of D0, changes the data during D1
    and compares the incremental night of D1 with a full one on the same data."""

    # the proof's helpers (its class is not bound here, or its tests would run here too)
    _night = proof.TestIncrementalPass._night
    _state = proof.TestIncrementalPass._state
    assertSameState = proof.TestIncrementalPass.assertSameState

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["crm.customer.warning.rule"].sudo()
        cls.Rule.search([]).write({"threshold": 1})
        Cadence = cls.env["crm.customer.contact.cadence"]
        Cadence.search([]).write({"active": False})
        Cadence.create({"interval_days": 45})
        # customers that nothing changes: the others are ranked among them
        for n, amount in enumerate((500, 900, 1300)):
            cls._customer_with(f"bystander {n}", (date(2026, 3, 1 + n), amount, 10))

    @classmethod
    def _customer_with(cls, name, *invoices):
        """A customer and its invoices, (date, amount, days to pay or None)."""
        partner = cls._customer(name)
        for when, amount, paid in invoices:
            move = cls._invoice_lines(partner, when, [(cls.products[0], amount)])
            if paid is not None:
                cls.env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=move.ids
                ).create({"payment_date": when + timedelta(days=paid)})._create_payments()
        return partner

    @classmethod
    def _email_from(cls, author, on, when):
        """An email received from ``author``, posted on ``on``, dated ``when``."""
        email = on.message_post(body="Hello", author_id=author.id, message_type="email")
        email.date = when
        return email

    def assertNightsAgree(self, change, full=None):
        """Full nights up to D0, ``change()`` during D1, then the night of D1 (incremental,
        else full for the reason ``full``) against a full one on the same data."""
        age_writes(self.env)
        self._night(D0 - timedelta(days=1))
        self._night(D0, full=True)
        age_writes(self.env)
        with freeze_time(datetime.combine(D1, time(9))):
            change()
        self.env.flush_all()
        with self.assertRaises(Rollback), self.env.cr.savepoint():
            self._night(D1)
            stored = proof.get_setting(self.env, proof.METRICS_MARK)
            incremental_state = self._state()
            raise Rollback
        self.assertEqual(stored["full"], full, "the night of D1 was incremental, or full")
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self._night(D1, full=True)
        self.assertSameState(incremental_state, self._state())

    # Records moving from one customer to another ------------------------------------------

    def test_contact_person_moved_to_another_company(self):
        """A contact person joins another company: the emails he sent and the orders he
        placed are his new company's now, and no longer his old one's. (The old company is
        measured again only because its card completeness, stored and computed from its
        people, is written again: no source of the pass tells it.)"""
        old = self._customer_with("old employer", (date(2026, 4, 2), 700, 8))
        new = self._customer_with("new employer", (date(2026, 4, 3), 800, 8))
        wang = self.env["res.partner"].create({"name": "Mr. Wang", "parent_id": old.id})
        self._email_from(wang, old, datetime.combine(D0 - timedelta(days=20), time(10)))
        order = self.env["sale.order"].create(
            {
                "partner_id": wang.id,
                "order_line": [Command.create({"product_id": self.products[0].id})],
            }
        )
        order.action_confirm()
        order.date_order = datetime.combine(D0 - timedelta(days=15), time(10))

        def change():
            wang.parent_id = new

        self.assertNightsAgree(change)

    def test_contacts_merged_across_companies(self):
        """Two contact persons of two companies merged into one (Odoo's merge wizard moves
        their messages by SQL): the emails of the one merged away leave his company. (Found,
        as a contact moved, through the card completeness of the company he leaves.)"""
        old = self._customer_with("merged away", (date(2026, 4, 2), 700, 8))
        kept = self._customer_with("merged into", (date(2026, 4, 3), 800, 8))
        li, li_too = self.env["res.partner"].create(
            [
                {"name": "Ms. Li", "email": "li@example.com", "parent_id": old.id},
                {"name": "Ms. Li", "email": "li@example.com", "parent_id": kept.id},
            ]
        )
        self._email_from(li, old, datetime.combine(D0 - timedelta(days=20), time(10)))

        def change():
            self.env["base.partner.merge.automatic.wizard"]._merge(
                (li | li_too).ids, li_too, extra_checks=False
            )

        self.assertNightsAgree(change)

    def test_invoice_reset_to_draft_and_posted_to_another_customer(self):
        """An invoice booked to the wrong customer, reset to draft, its customer corrected
        and posted again: the first customer's sales drop."""
        wrong = self._customer_with("wrong customer", (date(2026, 3, 2), 400, 8))
        right = self._customer_with("right customer", (date(2026, 3, 3), 450, 8))
        invoice = self._invoice_lines(wrong, date(2026, 5, 20), [(self.products[1], 2500)])

        def change():
            invoice.button_draft()
            invoice.partner_id = right
            invoice.action_post()

        self.assertNightsAgree(change)

    def test_journal_item_partner_corrected(self):
        """A cost booked against a customer (cost to serve), reset to draft and booked
        against another one: the first one's cost to serve drops."""
        wrong = self._customer_with("cost wrong", (date(2026, 3, 2), 400, 8))
        right = self._customer_with("cost right", (date(2026, 3, 3), 450, 8))
        expense = self.company_data["default_account_expense"]
        bank = self.company_data["default_journal_bank"].default_account_id
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": date(2026, 5, 25),
                "line_ids": [
                    Command.create(
                        {"account_id": expense.id, "partner_id": wrong.id, "debit": 300}
                    ),
                    Command.create({"account_id": bank.id, "credit": 300}),
                ],
            }
        )
        entry.action_post()

        def change():
            entry.button_draft()
            entry.line_ids.filtered("partner_id").partner_id = right
            entry.action_post()

        self.assertNightsAgree(change)

    # Payments -----------------------------------------------------------------------------

    def test_payment_unreconciled(self):
        """A payment matched with the wrong invoice is unmatched: the invoice is open again
        and its payment no longer counts in the days paid late (the journal items' residual
        amounts are written again)."""
        customer = self._customer_with("unmatched", (date(2026, 3, 10), 900, None))
        self._customer_with("other payer", (date(2026, 3, 12), 900, 20))
        invoice = customer.invoice_ids
        self._pay(invoice, date(2026, 4, 30))  # 51 days late

        def change():
            invoice.line_ids.filtered("reconciled").remove_move_reconcile()

        self.assertNightsAgree(change)

    def test_email_bounced(self):
        """An email sent to a customer bounces after the night that counted it: it is no
        contact any more (the notification's status changes, not the message)."""
        customer = self._customer_with("bouncing", (date(2026, 4, 2), 700, 8))
        rep = new_test_user(self.env, "gaps.rep", groups=SUPERVISOR, name="Zhou Rep")
        email = (
            customer.with_user(rep)
            .message_post(
                body="Our new catalogue",
                partner_ids=customer.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            .sudo()
        )
        email.date = datetime.combine(D0 - timedelta(days=5), time(10))
        notification = email.notification_ids.filtered(
            lambda notif: notif.res_partner_id == customer
        )
        self.assertTrue(notification)
        notification.notification_status = "sent"

        def change():
            notification.notification_status = "bounce"

        self.assertNightsAgree(change)

    # Odoo's own settings and fields the credit score reads -------------------------------

    def test_default_credit_limit_changed(self):
        """Accounting's default credit limit (an ir.default) is every customer's credit limit
        that has none of its own: the credit limit used moves for them all."""
        self._customer_with("no own limit", (date(2026, 4, 2), 700, 8))

        def change():
            self.env["ir.default"].set(
                "res.partner", "credit_limit", 5000.0, company_id=self.env.company.id
            )

        self.assertNightsAgree(change, full=incremental.SETTINGS)

    def test_order_invoiced_to_another_company_confirmed(self):
        """An order placed by a subsidiary and invoiced to its head office: confirming it
        raises the head office's amount to invoice, and so its credit limit used."""
        self.env.company.account_use_credit_limit = True
        head = self._customer_with("head office", (date(2026, 4, 2), 700, 8))
        head.credit_limit = 2000
        branch = self._customer_with("branch", (date(2026, 4, 3), 800, 8))
        order = self.env["sale.order"].create(
            {
                "partner_id": branch.id,
                "partner_invoice_id": head.id,
                "order_line": [
                    Command.create({"product_id": self.products[0].id, "price_unit": 1500})
                ],
            }
        )

        def change():
            order.action_confirm()

        self.assertNightsAgree(change)

    def test_credit_limits_turned_on_in_the_company(self):
        """Accounting's "Sales Credit Limit" turned on in the company: Odoo counts the orders
        left to invoice in the credit limit used from then on."""
        self.env.company.account_use_credit_limit = False
        customer = self._customer_with("orders to invoice", (date(2026, 4, 2), 700, 8))
        customer.credit_limit = 2000
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create({"product_id": self.products[0].id, "price_unit": 1500})
                ],
            }
        )
        order.action_confirm()

        def change():
            self.env.company.account_use_credit_limit = True

        self.assertNightsAgree(change, full=incremental.SETTINGS)

    def test_foreign_currency_rate_of_the_day(self):
        """An order in a foreign currency left to invoice counts in the credit limit used at
        the rate of the day: a new day's rate moves it, no record of the customer does."""
        self.env.company.account_use_credit_limit = True
        euro = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0), (str(D1), 1.0)])
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": euro.id})
        customer = self._customer_with("buys in euros", (date(2026, 4, 2), 700, 8))
        customer.credit_limit = 2000
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "pricelist_id": pricelist.id,
                "order_line": [
                    Command.create({"product_id": self.products[0].id, "price_unit": 1500})
                ],
            }
        )
        order.action_confirm()
        self.assertEqual(order.currency_id, euro)
        self.assertNightsAgree(lambda: None)

    def test_company_timezone_changed(self):
        """The nightly pass counts contacts on the company's days: a new time zone of the
        company moves the day of an email sent late in the evening."""
        self.env.company.partner_id.tz = "UTC"
        customer = self._customer_with("evening emails", (date(2026, 4, 2), 700, 8))
        self._email_from(customer, customer, datetime.combine(D0 - timedelta(days=20), time(20)))
        self.Metrics = self.Metrics.with_context(tz=False)  # the cron's: no user's time zone

        def change():
            self.env.company.partner_id.tz = "Asia/Shanghai"

        self.assertNightsAgree(change, full=incremental.SETTINGS)

    def test_approver_renamed(self):
        """The credit explanation names who approved the evaluation: a supervisor whose name
        is corrected is named anew in a full pass."""
        customer = self._customer_with("evaluated", (date(2026, 4, 2), 700, 8))
        supervisor = new_test_user(self.env, "gaps.sup", groups=SUPERVISOR, name="Gao Fen")
        # a supervisor's own entry counts at once, approved by him
        self.env["crm.customer.evaluation"].with_user(supervisor).create(
            {
                "partner_id": customer.id,
                "criterion_id": self.env["crm.customer.evaluation.criterion"].search([])[0].id,
                "score": 75,
                "scored": True,
            }
        )

        def change():
            supervisor.name = "Gao Feng"

        self.assertNightsAgree(change)
