from odoo import fields, models, tools
from odoo.tools import SQL


class CrmCustomerParetoReport(models.Model):
    """Revenue and profit concentration side by side (the documents' warning against blind
    80/20): for each basis, customers ranked by it, largest first, and the share of the
    company's total that the top ``position`` percent of them bring, over the last 12
    months as the last metrics pass measured them. Profit customers above 100 % show what
    the loss-making ones take back. A total of nothing or less has no shares: none is shown,
    the amounts stay."""

    _name = "crm.customer.pareto.report"
    _description = "Revenue and Profit Concentration"
    _auto = False
    _order = "company_id, basis, position"

    company_id = fields.Many2one("res.company", readonly=True)
    basis = fields.Selection([("revenue", "Revenue"), ("profit", "Profit")], readonly=True)
    position = fields.Integer(
        string="Top Customers (%)",
        readonly=True,
        aggregator="max",
        help="The top this many percent of customers, ranked by the basis.",
    )
    cumulative_share = fields.Float(
        string="Cumulative Share (%)",
        readonly=True,
        aggregator="max",
        help="The share of the total revenue or profit the top customers bring.",
    )
    customer_count = fields.Integer(string="Customers", readonly=True)
    amount = fields.Float(readonly=True, help="Revenue or profit of these customers.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
            CREATE VIEW %(table)s AS
            WITH base AS (
                SELECT company_id, sales_12m AS revenue,
                       margin_12m - cost_to_serve_12m AS profit
                  FROM crm_customer_metrics
                 WHERE sales_12m <> 0 OR margin_12m - cost_to_serve_12m <> 0
            ), valued AS (
                SELECT company_id, 'revenue' AS basis, revenue AS value FROM base
                 UNION ALL
                SELECT company_id, 'profit' AS basis, profit AS value FROM base
            ), ranked AS (
                SELECT company_id, basis, value,
                       ROW_NUMBER() OVER w AS n,
                       SUM(value) OVER w AS running,
                       COUNT(*) OVER (PARTITION BY company_id, basis) AS customers,
                       SUM(value) OVER (PARTITION BY company_id, basis) AS total
                  FROM valued
                WINDOW w AS (PARTITION BY company_id, basis ORDER BY value DESC
                             ROWS UNBOUNDED PRECEDING)
            ), bucketed AS (
                SELECT company_id, basis,
                       CEIL(100.0 * n / customers)::int AS position,
                       COUNT(*) AS customer_count, SUM(value) AS amount,
                       (ARRAY_AGG(CASE WHEN total > 0 THEN 100.0 * running / total END
                                  ORDER BY n DESC))[1]
                           AS cumulative_share
                  FROM ranked
              GROUP BY company_id, basis, CEIL(100.0 * n / customers)::int
            )
            SELECT company_id * 1000 + CASE basis WHEN 'revenue' THEN 0 ELSE 500 END
                       + position AS id,
                   company_id, basis, position, cumulative_share::float8 AS cumulative_share,
                   customer_count::int4 AS customer_count, amount::float8 AS amount
              FROM bucketed
                """,
                table=SQL.identifier(self._table),
            )
        )
