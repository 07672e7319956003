from contextlib import contextmanager

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class CustomerCardCase(TransactionCase):
    """Own evaluation criteria, so that the results do not depend on the shipped ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Criterion = cls.env["crm.customer.evaluation.criterion"]
        Criterion.search([]).write({"active": False})
        cls.crit_network, cls.crit_promotion, cls.crit_reputation = Criterion.create(
            [
                {"name": "Network", "weight": 50, "sequence": 1},
                {"name": "Promotion", "weight": 30, "sequence": 2},
                {"name": "Reputation", "weight": 20, "sequence": 3},
            ]
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jinhai Hardware Co.", "is_company": True}
        )

    def _evaluate(self, partner, scores):
        """Writes evaluation lines: ``scores`` maps a criterion to a score or None."""
        partner.write(
            {
                "customer_evaluation_ids": [
                    (
                        0,
                        0,
                        {
                            "criterion_id": criterion.id,
                            "score": score or 0,
                            "scored": score is not None,
                        },
                    )
                    for criterion, score in scores.items()
                ]
            }
        )

    @contextmanager
    def assertRefused(self, pattern):
        """A ValidationError whose message matches ``pattern``, rolled back to a savepoint."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)


class MetricsCase(AccountTestInvoicingCommon):
    """Real invoices, payments and the metrics pass, in a company with a chart of accounts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids |= cls.env.ref("crm_customer_mgmt.group_customer_mgmt_manager")
        cls.env.user.group_ids |= cls.env.ref("sales_team.group_sale_salesman")
        cls.Metrics = cls.env["crm.customer.metrics"].sudo()  # as the cron's superuser
        categories = cls.env["product.category"].create(
            [{"name": name} for name in ("Pipes", "Valves", "Pumps", "Seals", "Tools")]
        )
        cls.products = cls.env["product.product"].create(
            [
                {"name": f"{category.name} item", "categ_id": category.id, "list_price": 10}
                for category in categories
            ]
        )

    @classmethod
    def _customer(cls, name):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, "customer_rank": 1}
        )

    def _invoice(
        self, partner, when, amount, product=None, move_type="out_invoice", currency=None
    ):
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": when,
                "invoice_date_due": when,
                "date": when,
                "currency_id": (currency or self.env.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": (product or self.products[0]).id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    def _pay(self, invoice, when, amount=None):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": when, **({"amount": amount} if amount else {})})
        )
        return wizard._create_payments()

    def _pass(self, partners, today):
        with freeze_time(today):
            self.Metrics._refresh_partners(partners, today)
        partners.invalidate_recordset()
