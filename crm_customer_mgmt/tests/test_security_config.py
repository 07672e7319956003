from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import MetricsCase

TODAY = date(2026, 6, 30)
REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"


@tagged("post_install", "-at_install")
class TestSecurityConfig(MetricsCase):
    """Configuration an admin types is refused on save when it would break the ladders,
    and read safely when it is stored anyway."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Params = cls.env["ir.config_parameter"].sudo()
        cls.Rule = cls.env["crm.customer.warning.rule"]
        cls.customer = cls._customer("Hengtai Trading")
        cls.stable = cls.env.ref("crm_customer_mgmt.stage_stable")
        cls.rep = new_test_user(cls.env, login="config_rep", groups=REP)
        cls.watch = cls.env["crm.credit.grade"].create(
            {"name": "Watch", "min_score": 30, "block_order_confirmation": True}
        )

    # Stages -----------------------------------------------------------------------------

    def test_stage_sequence_out_of_share_order_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.stable.sequence = 5  # before Development (0-30 %) and Initial (30-50 %)
        self.assertIn("ordered by their share bands", str(caught.exception))
        self.assertEqual(self.stable.sequence, 30)
        self.stable.sequence = 35  # still between Initial and Strategic
        self.assertEqual(self.stable.sequence, 35)

    # Credit grades ----------------------------------------------------------------------

    def _holder(self):
        self.customer.sudo().write(
            {"user_id": self.rep.id, "credit_grade_id": self.watch.id, "credit_score": 31}
        )
        return self.customer

    def test_a_held_grade_cannot_be_deleted(self):
        customer = self._holder()
        with self.assertRaises(UserError) as caught:
            self.watch.unlink()
        self.assertIn("Watch is held by 1 customers", str(caught.exception))
        self.assertIn("archive it instead", str(caught.exception))
        self.assertTrue(self.watch.exists())
        self.assertEqual(customer.credit_grade_id, self.watch)
        self.assertTrue(customer.credit_blocks_orders, "its policy still applies")
        spare = self.env["crm.credit.grade"].create({"name": "Spare", "min_score": 35})
        spare.unlink()
        self.assertFalse(spare.exists(), "a grade nobody holds can go")

    def test_an_archived_grade_binds_its_customers_until_the_next_pass(self):
        customer = self._holder()
        self.watch.active = False
        self.assertEqual(customer.credit_grade_id, self.watch)
        order = (
            self.env["sale.order"]
            .with_user(self.rep)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [Command.create({"product_id": self.products[0].id})],
                }
            )
        )
        with self.assertRaises(UserError):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self._pass(customer, TODAY)
        self.assertTrue(customer.credit_grade_id.active, "regraded among the active grades")
        self.assertNotEqual(customer.credit_grade_id, self.watch)
        self.watch.unlink()  # held by nobody now
        self.assertFalse(self.watch.exists())

    # Partner fields ---------------------------------------------------------------------

    def test_negative_annual_sales_target_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.customer.annual_sales_target = -50000
        self.assertIn("cannot be negative", str(caught.exception))
        self.assertEqual(self.customer.annual_sales_target, 0)
        self.customer.annual_sales_target = 120000
        self.assertEqual(self.customer.annual_sales_target, 120000)
