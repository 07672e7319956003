# crm.customer.metrics is split by concern: the table, the SQL of its sources, the pass
# pylint: disable=consider-merging-classes-inherited
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import models
from odoo.tools import SQL

from ..engine.contacts import EMAIL, MEETING, PHONE
from .crm_customer_metrics import MANY_CUSTOMERS, MONTHS, ORDER_COSTS_FEW, ORDER_COSTS_MANY


class CrmCustomerMetrics(models.Model):
    """The CTEs the measures read (see ``_measure_sources()``): each aggregates one kind of
    record per customer, as ``partner_id``, over the ``Window`` of a pass."""

    _inherit = "crm.customer.metrics"

    def _window_sales(self, window):
        """The sale lines the window reads: what counts as a sale, or the window's copy."""
        return (window.copies or {}).get("sale_lines") or self._sale_lines()

    @staticmethod
    def _window_table(window, table):
        """The table the window reads, or the window's copy of it."""
        return (window.copies or {}).get(table) or SQL.identifier(table)

    def _source_sales(self, window):
        """Sales and margins. A line's cost is the one sale_margin keeps on the order line
        it was invoiced from, for the quantity invoiced, at the invoice's rate; else the
        product's cost; a credit note deducts its cost. A down payment (and its deduction on
        the final invoice) is no sale of goods: its cost is its amount, no margin. The lines
        are read once (OFFSET 0 keeps them a subquery), each cost worked out once."""
        return SQL(
            """
                SELECT sale.partner_id,
                       MAX(sale.date) FILTER (WHERE sale.move_type = 'out_invoice')
                           AS last_invoice_date,
                       MIN(sale.date) FILTER (WHERE sale.move_type = 'out_invoice')
                           AS first_invoice_date,
                       SUM(sale.amount) FILTER (WHERE sale.date >= %(cur)s) AS sales,
                       SUM(sale.amount) FILTER (
                           WHERE sale.date >= %(prev)s AND sale.date < %(cur)s) AS sales_prev,
                       SUM(sale.amount) FILTER (WHERE sale.date >= %(year)s) AS sales_12m,
                       SUM(sale.amount) FILTER (WHERE sale.date >= %(jan1)s) AS sales_ytd,
                       SUM(sale.margin) FILTER (WHERE sale.date >= %(cur)s) AS margin,
                       SUM(sale.margin) FILTER (
                           WHERE sale.date >= %(prev)s AND sale.date < %(cur)s) AS margin_prev,
                       SUM(sale.margin) FILTER (WHERE sale.date >= %(year)s) AS margin_12m,
                       SUM(sale.margin) AS margin_total,
                       jsonb_build_array(%(months)s) AS monthly_sales
                  FROM (SELECT sale.partner_id, sale.date, sale.amount, sale.move_type,
                               %(margin)s AS margin
                          FROM %(sales)s sale
                     LEFT JOIN %(ordered)s ordered ON ordered.invoice_line_id = sale.line_id
                         WHERE sale.partner_id = ANY(%(ids)s)
                           AND sale.company_id = %(company)s
                           AND sale.date <= %(today)s
                        OFFSET 0) sale
              GROUP BY sale.partner_id
            """,
            sales=self._window_sales(window),
            ordered=self._order_costs(window),
            margin=self._sale_margin("sale", "ordered"),
            months=self._monthly_sums(window.today),
            **window._asdict(),
        )

    @staticmethod
    def _sale_margin(sale, ordered):
        """SQL: the margin of the sale line ``sale`` (an alias of SALE_LINES) joined to its
        order cost ``ordered`` (an alias of ``_order_costs()``), as ``_source_sales()``
        counts it."""
        return SQL(
            """CASE WHEN %(sale)s.is_downpayment THEN 0
                    ELSE %(sale)s.amount
                         - CASE %(sale)s.move_type WHEN 'out_refund' THEN -1 ELSE 1 END
                           * COALESCE(%(ordered)s.cost * %(sale)s.quantity * %(sale)s.rate,
                                      %(sale)s.product_cost)
               END""",
            sale=SQL.identifier(sale),
            ordered=SQL.identifier(ordered),
        )

    @staticmethod
    def _order_costs(window):
        """The order costs of invoice lines, in the form that suits the window's size."""
        many = isinstance(window.ids, list) and len(window.ids) >= MANY_CUSTOMERS
        return ORDER_COSTS_MANY if many else ORDER_COSTS_FEW

    @staticmethod
    def _monthly_sums(today):
        """SQL for the sales of each of the last full months, oldest first."""
        first = today.replace(day=1)
        starts = [first - relativedelta(months=n) for n in range(MONTHS, -1, -1)]
        return SQL(", ").join(
            SQL(
                "COALESCE(SUM(sale.amount) FILTER (WHERE sale.date >= %s AND sale.date < %s), 0)",
                start,
                end,
            )
            for start, end in zip(starts, starts[1:], strict=False)
        )

    def _source_invoice_counts(self, window):
        return SQL(
            """
                SELECT partner_id,
                       COUNT(*) FILTER (WHERE date >= %(cur)s) AS n,
                       COUNT(*) FILTER (WHERE date >= %(prev)s AND date < %(cur)s) AS n_prev,
                       COUNT(*) FILTER (WHERE date >= %(year)s) AS n_12m
                  FROM (SELECT DISTINCT sale.partner_id, sale.move_id, sale.date
                          FROM %(sales)s sale
                         WHERE sale.partner_id = ANY(%(ids)s)
                           AND sale.company_id = %(company)s
                           AND sale.move_type = 'out_invoice'
                           AND sale.date BETWEEN LEAST(%(prev)s, %(year)s) AND %(today)s
                       ) invoices
              GROUP BY partner_id
            """,
            sales=self._window_sales(window),
            **window._asdict(),
        )

    def _source_categories(self, window):
        return SQL(
            """
                SELECT partner_id,
                       ARRAY_AGG(categ_id ORDER BY categ_id) FILTER (WHERE current)
                           AS categories,
                       ARRAY_AGG(categ_id ORDER BY categ_id) FILTER (WHERE NOT current)
                           AS categories_prev
                  FROM (SELECT DISTINCT sale.partner_id, pt.categ_id, sale.date >= %(cur)s
                                        AS current
                          FROM %(sales)s sale
                          JOIN product_product pp ON pp.id = sale.product_id
                          JOIN product_template pt ON pt.id = pp.product_tmpl_id
                         WHERE sale.partner_id = ANY(%(ids)s)
                           AND sale.company_id = %(company)s
                           AND sale.move_type = 'out_invoice'
                           AND sale.date BETWEEN %(prev)s AND %(today)s
                           AND pt.categ_id IS NOT NULL) bought
              GROUP BY partner_id
            """,
            sales=self._window_sales(window),
            **window._asdict(),
        )

    def _source_paid(self, window):
        # each (partial) payment of an invoice at its own date, weighted by its amount
        return SQL(
            """
                SELECT aml.partner_id,
                       SUM(apr.amount * (apr.max_date - aml.date_maturity))
                           / NULLIF(SUM(apr.amount), 0) AS late_days
                  FROM %(partials)s apr
                  JOIN %(items)s aml ON aml.id = apr.debit_move_id
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE aml.partner_id = ANY(%(ids)s)
                   AND aml.company_id = %(company)s
                   AND am.move_type = 'out_invoice'
                   AND apr.max_date BETWEEN %(year)s AND %(today)s
              GROUP BY aml.partner_id
            """,
            items=self._window_table(window, "account_move_line"),
            partials=self._window_table(window, "account_partial_reconcile"),
            **window._asdict(),
        )

    def _source_receivable(self, window):
        # unapplied credit notes due before today offset overdue amounts
        lines = self._receivable_as_of(window) if window.as_of else self._receivable_open(window)
        return SQL(
            """
                SELECT aml.partner_id,
                       SUM(aml.amount_residual) AS open_receivable,
                       SUM(aml.amount_residual) FILTER (WHERE aml.date_maturity < %(today)s)
                           AS overdue_amount,
                       MAX(%(today)s - aml.date_maturity) FILTER (
                           WHERE aml.date_maturity < %(today)s AND aml.amount_residual > 0)
                           AS overdue_days
                  FROM %(lines)s aml
              GROUP BY aml.partner_id
            """,
            lines=lines,
            **window._asdict(),
        )

    def _receivable_where(self, window):
        return SQL(
            """aml.partner_id = ANY(%(ids)s)
                   AND aml.company_id = %(company)s
                   AND acc.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'""",
            **window._asdict(),
        )

    def _receivable_open(self, window):
        """The customers' receivable journal items open now, with what is left on each."""
        return SQL(
            """(SELECT aml.partner_id, aml.date_maturity, aml.amount_residual
                  FROM %(items)s aml
                  JOIN account_account acc ON acc.id = aml.account_id
                 WHERE %(where)s
                   AND NOT aml.reconciled)""",
            items=self._window_table(window, "account_move_line"),
            where=self._receivable_where(window),
        )

    def _receivable_as_of(self, window):
        """The customers' receivable journal items dated up to the window's day, with what
        was left on each at the end of it: what is left now, plus what was matched with it
        after the day. A matching counts at its ``max_date``, the later date of the two
        items it matches, as Odoo dates it in aged balances: a payment or credit note dated
        after the day had not settled anything yet. A payment dated by the day but matched
        only later counts as matched on its date: the open and overdue amounts are the same
        either way (the unmatched payment would have offset them), and the oldest overdue
        days are those of what it left unpaid."""
        return SQL(
            """(SELECT aml.partner_id, aml.date_maturity,
                       aml.amount_residual + COALESCE(later.amount, 0) AS amount_residual
                  FROM %(items)s aml
                  JOIN account_account acc ON acc.id = aml.account_id
             LEFT JOIN (SELECT side.line_id, SUM(side.amount) AS amount
                          FROM %(partials)s apr
                    CROSS JOIN LATERAL (VALUES (apr.debit_move_id, apr.amount),
                                               (apr.credit_move_id, -apr.amount))
                                       AS side(line_id, amount)
                         WHERE apr.max_date > %(today)s
                      GROUP BY side.line_id) later ON later.line_id = aml.id
                 WHERE %(where)s
                   AND aml.date <= %(today)s
                   AND (NOT aml.reconciled OR later.line_id IS NOT NULL))""",
            items=self._window_table(window, "account_move_line"),
            partials=self._window_table(window, "account_partial_reconcile"),
            where=self._receivable_where(window),
            today=window.today,
        )

    def _source_cost(self, window):
        # what the customer's invoices and credit notes book on expense accounts (the cost
        # of the goods sold under perpetual valuation, a discount or a rebate line) is in
        # their sales and margin already
        return SQL(
            """
                SELECT aml.partner_id,
                       SUM(aml.balance) FILTER (WHERE aml.date >= %(cur)s) AS cost_to_serve,
                       SUM(aml.balance) FILTER (WHERE aml.date >= %(year)s)
                           AS cost_to_serve_12m
                  FROM %(items)s aml
                  JOIN account_account acc ON acc.id = aml.account_id
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE aml.partner_id = ANY(%(ids)s)
                   AND aml.company_id = %(company)s
                   AND acc.account_type IN ('expense', 'expense_direct_cost')
                   AND aml.parent_state = 'posted'
                   AND am.move_type NOT IN ('out_invoice', 'out_refund')
                   AND aml.date BETWEEN LEAST(%(cur)s, %(year)s) AND %(today)s
              GROUP BY aml.partner_id
            """,
            items=self._window_table(window, "account_move_line"),
            **window._asdict(),
        )

    def _source_orders(self, window):
        # as of a past day: the orders confirmed now and dated by the end of it, confirming
        # an order dates it; an order confirmed then and cancelled since is missed
        until = (
            SQL("AND so.date_order < %s", window.today + timedelta(days=1))
            if window.as_of
            else SQL()
        )
        return SQL(
            """
                SELECT p.commercial_partner_id AS partner_id,
                       MAX(so.date_order)::date AS last_sale_order_date
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
                 WHERE p.commercial_partner_id = ANY(%(ids)s)
                   AND so.company_id = %(company)s
                   AND so.state = 'sale'
                   %(until)s
              GROUP BY p.commercial_partner_id
            """,
            until=until,
            **window._asdict(),
        )

    def _source_contacts(self, window):
        """A contact counts once per day and kind: a meeting and the activity done for it, or
        a thread of emails, are one contact."""
        events = self.env["crm.customer.contact"]._contact_events(
            window.ids, None, window.today, notes=False
        )
        return SQL(
            """
                SELECT partner_id,
                       MAX(date) AS last_contact_date,
                       (ARRAY_AGG(kind ORDER BY date DESC, kind = %(meeting)s DESC,
                                  kind = %(phone)s DESC))[1] AS last_contact_kind,
                       COUNT(*) FILTER (WHERE kind = %(phone)s AND date >= %(cur)s) AS phone,
                       COUNT(*) FILTER (WHERE kind = %(email)s AND date >= %(cur)s) AS email,
                       COUNT(*) FILTER (WHERE kind = %(meeting)s AND date >= %(cur)s) AS meeting,
                       COUNT(*) FILTER (WHERE date >= %(prev)s AND date < %(cur)s) AS previous
                  FROM (SELECT DISTINCT partner_id, date, kind FROM (%(events)s) e) contacts
              GROUP BY partner_id
            """,
            events=events,
            phone=PHONE,
            email=EMAIL,
            meeting=MEETING,
            cur=window.cur,
            prev=window.prev,
        )
