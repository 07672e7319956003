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
        """Companies of the sale order's parties whose current grade holds deliveries."""
        self.ensure_one()
        if self.picking_type_code != "outgoing" or not self.sale_id:
            return self.env["res.partner"]
        return self.sale_id._credit_parties().filtered("credit_grade_id.hold_deliveries")

    def _credit_hold_refusal(self):
        return self.env._(
            "%(picking)s waits for a supervisor: the credit grade of %(customer)s holds its"
            " deliveries. Only a customer manager can validate it: %(managers)s.",
            picking=self.name,
            customer=self._credit_holding_parties()[0].name,
            managers=self.sale_id._credit_supervisor_names(),
        )
