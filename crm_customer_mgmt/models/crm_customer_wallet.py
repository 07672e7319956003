from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, split_every

PERIODS_PER_QUERY = 1000  # more wallet periods per query lead the planner off the index


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
        sales = self._sales_in_periods(periods)
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

    # Shares for the metrics pass and the warning rules ---------------------------------

    @api.model
    def _current_shares(self, partner_ids, today):
        """Share of wallet (percent) per partner id that has a current or ended wallet period."""
        return self._shares(partner_ids, today)[0]

    @api.model
    def _shares(self, partner_ids, today, as_of=False):
        """Shares of the latest period covering today (else the latest ended one) and of the
        period before it, per partner id, in this company. ``as_of``: today is a past day,
        our sales count up to it (the periods themselves are read as they are now)."""
        self.flush_model()
        company = self.env.company.id
        rows = self.env.execute_query(
            SQL(
                """
            SELECT id, partner_id, date_from, date_to, total_spend
              FROM (SELECT *, row_number() OVER (
                               PARTITION BY partner_id ORDER BY date_from DESC) AS position
                      FROM crm_customer_wallet
                     WHERE partner_id = ANY(%s) AND company_id = %s AND date_from <= %s) w
             WHERE position <= 2
          ORDER BY partner_id, position
            """,
                list(partner_ids),
                company,
                today,
            )
        )
        sales = self._sales_in_periods(
            [
                (wid, pid, start, min(end, today) if as_of else end, company)
                for wid, pid, start, end, _t in rows
            ]
        )
        current, previous = {}, {}
        for wid, pid, _start, _end, total in rows:
            share = self._share(sales.get(wid, 0.0), total)
            if pid not in current:
                current[pid] = share
            else:
                previous[pid] = share
        return current, previous

    @api.model
    def _sales_in_periods(self, periods):
        """Our untaxed net sales per key.

        ``periods`` holds ``(key, partner_id, date_from, date_to, company_id)`` tuples.
        """
        if not periods:
            return {}
        self.env["account.move.line"].flush_model()
        sales = {}
        for chunk in split_every(PERIODS_PER_QUERY, periods):
            sales.update(self._sales_in_chunk(chunk))
        return sales

    def _sales_in_chunk(self, periods):
        keys, partners, starts, ends, companies = zip(*periods, strict=True)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.key, SUM(sale.amount)
              FROM unnest(%s::int[], %s::int[], %s::date[], %s::date[], %s::int[])
                   AS p(key, partner_id, date_from, date_to, company_id)
              JOIN %s sale
                ON sale.partner_id = p.partner_id AND sale.company_id = p.company_id
               AND sale.date BETWEEN p.date_from AND p.date_to
          GROUP BY p.key
            """,
                list(keys),
                list(partners),
                list(starts),
                list(ends),
                list(companies),
                self.env["crm.customer.metrics"]._sale_lines(),
            )
        )
        return dict(rows)
