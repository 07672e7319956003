from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmCustomerWallet(models.Model):
    _name = "crm.customer.wallet"
    _inherit = ["crm.customer.card.mixin"]
    _description = "Customer Share of Wallet Period"
    _order = "partner_id, date_from desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", True)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    total_spend = fields.Monetary(
        string="Customer's Total Spend",
        required=True,
        help="Estimate of what the customer spends in our category over the period, with all"
        " suppliers.",
    )
    our_sales = fields.Monetary(
        compute="_compute_our_sales",
        help="Our posted invoices minus credit notes to this customer in the period, untaxed.",
    )
    share_of_wallet = fields.Float(
        string="Share of Wallet (%)", compute="_compute_our_sales", digits=(6, 2)
    )
    note = fields.Char(help="Where the estimate comes from.")

    @api.depends("partner_id", "date_from", "date_to", "total_spend", "company_id")
    def _compute_our_sales(self):
        """Read from posted invoices, by position: a line being edited in a form has no id
        yet, its saved customer and company have (``_origin``)."""
        periods = [
            (
                position,
                wallet.partner_id._origin.id,
                wallet.date_from,
                wallet.date_to,
                wallet.company_id._origin.id,
            )
            for position, wallet in enumerate(self)
            if wallet.partner_id._origin and wallet.date_from and wallet.date_to
        ]
        sales = self.env["crm.customer.metrics"]._sales_in_periods(periods)
        for position, wallet in enumerate(self):
            wallet.our_sales = sales.get(position, 0.0)
            wallet.share_of_wallet = self._share(wallet.our_sales, wallet.total_spend)

    @staticmethod
    def _share(our_sales, total_spend):
        """Our sales as a percentage of the customer's total spend."""
        return 100.0 * our_sales / total_spend if total_spend > 0 else 0.0

    @api.constrains("partner_id", "date_from", "date_to", "total_spend", "company_id")
    def _check_period(self):
        for wallet in self:
            if wallet.date_to < wallet.date_from:
                raise ValidationError(
                    self.env._(
                        "The wallet period of %(customer)s ends (%(end)s) before it starts"
                        " (%(start)s).",
                        customer=wallet.partner_id.display_name,
                        end=wallet.date_to,
                        start=wallet.date_from,
                    )
                )
            if wallet.total_spend <= 0:
                raise ValidationError(
                    self.env._(
                        "The total spend of %(customer)s must be above zero, not %(total)s:"
                        " a share of nothing cannot be measured.",
                        customer=wallet.partner_id.display_name,
                        total=wallet.total_spend,
                    )
                )
            overlap = self.search(
                [
                    ("id", "!=", wallet.id),
                    ("partner_id", "=", wallet.partner_id.id),
                    ("company_id", "=", wallet.company_id.id),
                    ("date_from", "<=", wallet.date_to),
                    ("date_to", ">=", wallet.date_from),
                ],
                limit=1,
            )
            if overlap:
                raise ValidationError(
                    self.env._(
                        "The wallet period %(start)s to %(end)s of %(customer)s overlaps"
                        " the period %(other_start)s to %(other_end)s.",
                        customer=wallet.partner_id.display_name,
                        start=wallet.date_from,
                        end=wallet.date_to,
                        other_start=overlap.date_from,
                        other_end=overlap.date_to,
                    )
                )
