from contextlib import contextmanager

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..models.tools import owned_writer


def age_writes(env):
    """Date every record written so far two days back, as if written before the last pass:
    only what a test changes after is new to the next, incremental, one. The records that
    set the pass up keep their dates (their fingerprint is in the pass's mark)."""
    env.flush_all()
    config = {env[name]._table for name in env["crm.customer.metrics"]._pass_config_models()}
    for model in env.registry.values():
        if model._abstract or not model._auto or model._table in config | {"ir_config_parameter"}:
            continue
        if "write_date" in model._fields and model._fields["write_date"].store:
            env.cr.execute(
                SQL(
                    "UPDATE %s SET write_date = write_date - interval '2 days'",
                    SQL.identifier(model._table),
                )
            )
    env.invalidate_all()


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
        self,
        partner,
        when,
        amount,
        product=None,
        move_type="out_invoice",
        currency=None,
        company=None,
    ):
        env = self.env if company is None else self._env_in(company)
        move = env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": when,
                "invoice_date_due": when,
                "date": when,
                "currency_id": (currency or env.company.currency_id).id,
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

    @classmethod
    def _invoice_lines(cls, partner, when, lines):
        """A posted invoice of ``partner`` dated and due ``when``, one line per (product,
        amount) of ``lines``, untaxed."""
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": when,
                "invoice_date_due": when,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for product, amount in lines
                ],
            }
        )
        move.action_post()
        return move

    def _env_in(self, company):
        """The environment with ``company`` as the current company."""
        return self.env(context=dict(self.env.context, allowed_company_ids=company.ids))

    def _pay(self, invoice, when, amount=None):
        wizard = (
            self._env_in(invoice.company_id)["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": when, **({"amount": amount} if amount else {})})
        )
        return wizard._create_payments()

    def _pass(self, partners, today):
        with freeze_time(today):
            self.Metrics._pass_partners(partners, today)
        partners.invalidate_recordset()


REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
SUPERVISOR = (
    "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman_all_leads"
)


class SaleCreditCase(MetricsCase):
    """A rep whose team a supervisor leads, a customer of grade D (it blocks orders) with
    invoice and delivery addresses, and a customer of grade A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.grade_d = cls.env.ref("crm_customer_mgmt.credit_grade_d")
        cls.grade_a = cls.env.ref("crm_customer_mgmt.credit_grade_a")
        cls.rep = new_test_user(cls.env, login="sale_credit_rep", groups=REP, name="Wu Lei")
        cls.supervisor = new_test_user(
            cls.env, login="sale_credit_sup", groups=SUPERVISOR, name="Gao Feng"
        )
        cls.leader = new_test_user(
            cls.env, login="sale_credit_lead", groups=SUPERVISOR, name="Lin Hua"
        )
        cls.env["crm.team"].sudo().create(
            {"name": "East", "user_id": cls.leader.id, "member_ids": [Command.link(cls.rep.id)]}
        )
        cls.blocked = cls._graded_customer("Blocked Co.", cls.grade_d, 21.5)
        cls.blocked_invoice, cls.blocked_delivery = cls.env["res.partner"].create(
            [
                {"name": "Blocked Accounts", "type": "invoice", "parent_id": cls.blocked.id},
                {"name": "Blocked Depot", "type": "delivery", "parent_id": cls.blocked.id},
            ]
        )
        cls.good = cls._graded_customer("Good Co.", cls.grade_a, 75.0)

    @classmethod
    def _graded_customer(cls, name, grade, score):
        customer = cls._customer(name)
        owned_writer(customer).write(
            {"user_id": cls.rep.id, "credit_grade_id": grade.id, "credit_score": score}
        )
        return customer

    def _quotation(self, customer, user=None, **values):
        return (
            self.env["sale.order"]
            .with_user(user or self.rep)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [Command.create({"product_id": self.products[0].id})],
                    **values,
                }
            )
        )

    def _notes(self, record, text):
        return record.sudo().message_ids.filtered(lambda message: text in (message.body or ""))

    def _credit_activities(self, order):
        return (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", order._name),
                    ("res_id", "=", order.id),
                    (
                        "activity_type_id",
                        "=",
                        self.env.ref("crm_customer_mgmt.mail_activity_type_credit_decision").id,
                    ),
                ]
            )
        )
