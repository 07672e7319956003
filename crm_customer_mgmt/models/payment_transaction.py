from odoo import api, models
from odoo.exceptions import AccessError

# what makes a blocked quotation paid in full, and so confirmed without a supervisor
PAYMENT_FIELDS = frozenset({"state", "amount", "currency_id", "sale_order_ids"})


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        transactions = super().create(vals_list)
        transactions._check_credit_payment()
        return transactions

    def write(self, vals):
        result = super().write(vals)
        if PAYMENT_FIELDS & vals.keys():
            self._check_credit_payment()
        return result

    def _check_credit_payment(self):
        """The payment flow (as the superuser) pays blocked quotations; anyone else who
        records, edits or links their paid transactions by hand could confirm them: a
        supervisor only."""
        if self.env.su or self.env["res.users"]._acts_as_customer_supervisor():
            return
        paid = self.sudo().filtered(lambda tx: tx.state in ("authorized", "done"))
        blocked = paid.sale_order_ids.filtered(
            lambda order: order.state in ("draft", "sent") and order._credit_blocking_parties()
        )
        if blocked:
            raise AccessError(
                self.env._(
                    "The payments of %(order)s come from the online payment: its customer's"
                    " credit is blocked, and a paid order confirms by itself. Only a customer"
                    " supervisor can record or change them by hand.",
                    order=blocked[0].name,
                )
            )

    def _check_amount_and_confirm_order(self):
        # an order that a credit block keeps a quotation is not confirmed: the customer is
        # told about the payment instead of the order
        confirmed = super()._check_amount_and_confirm_order()
        return confirmed.filtered(lambda order: order.state == "sale")
