from odoo import SUPERUSER_ID, Command
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_customer_mgmt.models.tools import owned_writer
from odoo.addons.crm_customer_mgmt.tests.common import SaleCreditCase


@tagged("post_install", "-at_install")
class TestDeliveryHold(SaleCreditCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        stock_user = cls.env.ref("stock.group_stock_user")
        (cls.rep + cls.supervisor).sudo().write({"group_ids": [Command.link(stock_user.id)]})

    def _delivery(self, user=None, **values):
        """A confirmed order's delivery, ready to validate."""
        order = self._quotation(self.good, user=user, **values)
        order.action_confirm()
        picking = order.picking_ids.with_user(self.rep)
        self.assertEqual(picking.picking_type_code, "outgoing")
        picking.move_ids.write({"quantity": 1, "picked": True})
        return picking

    def test_the_worst_grade_holds_deliveries(self):
        self.assertTrue(self.grade_d.hold_deliveries)
        self.assertFalse(self.grade_a.hold_deliveries)

    def test_a_downgrade_holds_the_goods_not_yet_shipped(self):
        picking = self._delivery()
        owned_writer(self.good).credit_grade_id = self.grade_d
        with self.assertRaises(UserError) as caught:
            picking.button_validate()
        self.assertIn("the credit grade of Good Co. holds its deliveries", str(caught.exception))
        self.assertIn("Gao Feng", str(caught.exception))
        with self.assertRaises(UserError):
            picking.with_user(SUPERUSER_ID).button_validate()
        self.assertNotEqual(picking.state, "done")
        self.assertFalse(picking.move_ids.filtered(lambda move: move.state == "done"))

    def test_a_supervisor_validates_with_a_note(self):
        picking = self._delivery()
        owned_writer(self.good).credit_grade_id = self.grade_d
        picking.with_user(self.supervisor).button_validate()
        self.assertEqual(picking.state, "done")
        note = picking.message_ids.filtered(
            lambda message: "Validated by Gao Feng despite" in (message.body or "")
        )
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertNotIn("grade", note.body)

    def test_a_held_delivery_address_holds_too(self):
        picking = self._delivery(
            user=self.supervisor, partner_shipping_id=self.blocked_delivery.id
        )
        with self.assertRaises(UserError):
            picking.button_validate()
        self.assertNotEqual(picking.state, "done")

    def test_grades_that_do_not_hold_deliver(self):
        picking = self._delivery()
        self.grade_d.hold_deliveries = False
        owned_writer(self.good).credit_grade_id = self.grade_d
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    def test_unlinking_the_order_does_not_release_the_goods(self):
        stock_clerk = new_test_user(
            self.env, login="hold_stock_clerk", groups="stock.group_stock_user"
        )
        picking = self._delivery().with_user(stock_clerk)
        owned_writer(self.good).credit_grade_id = self.grade_d
        picking.write({"sale_id": False})
        picking.move_ids.write({"sale_line_id": False})
        with self.assertRaises(UserError):
            picking.button_validate()
        self.assertNotEqual(picking.state, "done")
        self.assertFalse(picking.move_ids.filtered(lambda move: move.state == "done"))
