from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _check_amount_and_confirm_order(self):
        # an order that a credit block keeps a quotation is not confirmed: the customer is
        # told about the payment instead of the order
        confirmed = super()._check_amount_and_confirm_order()
        return confirmed.filtered(lambda order: order.state == "sale")
