from odoo import api, models

# what can raise a line's amount
AMOUNT_FIELDS = frozenset(
    {"product_id", "product_uom_qty", "product_uom_id", "price_unit", "discount", "tax_ids"}
)


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        orders = self.env["sale.order"].browse(
            {vals["order_id"] for vals in vals_list if vals.get("order_id")}
        )
        before = orders._credit_guarded_totals()
        lines = super().create(vals_list)
        orders._check_credit_growth(before)
        return lines

    def write(self, vals):
        if not AMOUNT_FIELDS & vals.keys():
            return super().write(vals)
        orders = self.order_id
        before = orders._credit_guarded_totals()
        result = super().write(vals)
        orders._check_credit_growth(before)
        return result
