from odoo import models
from odoo.exceptions import UserError


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        # every validation ends here: the button, its wizards, other modules
        held = self.filtered(lambda picking: picking._credit_holding_parties())
        if held and not self.env["res.users"]._acts_as_customer_supervisor():
            raise UserError(held[0]._credit_hold_refusal())
        result = super()._action_done()
        for picking in held:
            picking.message_post(
                body=self.env._(
                    "Validated by %s despite the customer's credit hold on deliveries.",
                    self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result

    def _credit_holding_parties(self):
        """Companies of the delivery's partner and of its sale orders' parties whose current
        grade holds deliveries. The orders are also read from the moves: a stock user can
        clear the picking's own sale order."""
        self.ensure_one()
        if self.picking_type_code != "outgoing":
            return self.env["res.partner"]
        parties = self.partner_id.commercial_partner_id.sudo().with_company(self.company_id)
        for order in self.sale_id | self.move_ids.sale_line_id.order_id:
            parties |= order._credit_parties()
        return parties.filtered("credit_grade_id.hold_deliveries")

    def _credit_hold_refusal(self):
        return self.env._(
            "%(picking)s waits for a supervisor: the credit grade of %(customer)s holds its"
            " deliveries. Only a customer manager can validate it: %(managers)s.",
            picking=self.name,
            customer=self._credit_holding_parties()[0].name,
            managers=self.sale_id._credit_supervisor_names(),
        )
