from odoo import api, fields, models
from odoo.tools import SQL

from .crm_customer_metrics import ORDER_COSTS_FEW
from .res_partner import VALUE_TIERS
from .tools import refuse_owned_fields, stored_values_sql

# What the metrics pass writes; a supervisor records the reason, nobody else changes a thing.
PASS_FIELDS = frozenset(
    {
        "partner_id",
        "company_id",
        "date",
        "period_start",
        "previous_period_start",
        "user_id",
        "value_tier",
        "stage_id",
        "category_ids",
        "revenue_lost",
        "margin_lost",
    }
)


class CrmCustomerPartialChurn(models.Model):
    """A customer who still buys but dropped product lines (客户业务流失): product categories
    bought in the previous period and not in the current one. The metrics pass writes one per
    customer and compared period, a supervisor records why it happened."""

    _name = "crm.customer.partial.churn"
    _description = "Customer Partial Churn"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    date = fields.Date(required=True, index=True, help="The day the metrics pass saw the drop.")
    period_start = fields.Date(
        string="Period From", required=True, help="First day of the current period compared."
    )
    previous_period_start = fields.Date(
        string="Previous Period From",
        required=True,
        help="First day of the previous period, in which the dropped lines were bought.",
    )
    user_id = fields.Many2one(
        "res.users", string="Card Owner", index=True, help="Who owned the card at the drop."
    )
    value_tier = fields.Selection(VALUE_TIERS, help="The customer's value tier at the drop.")
    stage_id = fields.Many2one(
        "crm.customer.stage",
        string="Relationship Stage",
        ondelete="set null",
        help="The customer's relationship stage at the drop.",
    )
    category_ids = fields.Many2many(
        "product.category",
        "crm_customer_partial_churn_category_rel",
        "partial_churn_id",
        "category_id",
        string="Dropped Product Lines",
        help="Product categories bought in the previous period but not in the current one.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    revenue_lost = fields.Monetary(
        help="The previous period's sales of the dropped product lines, credit notes deducted,"
        " in company currency.",
    )
    margin_lost = fields.Monetary(
        help="The previous period's margin on the dropped product lines: their sales less"
        " what the goods cost us, credit notes deducted.",
    )
    churn_reason_id = fields.Many2one(
        "crm.churn.reason", string="Reason", help="Why the customer dropped these lines."
    )

    _partner_company_period_unique = models.Constraint(
        "UNIQUE(partner_id, company_id, period_start)",
        "A customer has one partial churn record per company and compared period.",
    )

    def write(self, vals):
        refuse_owned_fields(self, vals, PASS_FIELDS)
        return super().write(vals)

    # Metrics pass -----------------------------------------------------------------------

    @api.model
    def _record_partial_churn(self, partners, today):
        """Record the product lines that ``partners``, still buying in the current period,
        dropped since the previous one, as the metrics pass just measured them: a record for
        each customer with lines not recorded yet in the current period, so that a rerun of
        the day or a later pass of the period adds none for the same lines. One statement."""
        if not partners:
            return
        Metrics, Partner = self.env["crm.customer.metrics"], self.env["res.partner"]
        window = Metrics._window(partners.ids, today)
        self.flush_model()
        Partner.flush_model(["card_owner_id", "value_tier", "customer_stage_id"])
        self.env.execute_query(
            SQL(
                """
            WITH dropped AS (%(dropped)s),
            lost AS (%(lost)s),
            inserted AS (
                INSERT INTO crm_customer_partial_churn
                       (partner_id, company_id, date, period_start, previous_period_start,
                        user_id, value_tier, stage_id, revenue_lost, margin_lost,
                        create_uid, write_uid, create_date, write_date)
                SELECT d.partner_id, %(company)s, %(today)s, %(cur)s, %(prev)s,
                       p.card_owner_id, %(tier)s, %(stage)s, COALESCE(lost.revenue, 0),
                       COALESCE(lost.margin, 0),
                       %(uid)s, %(uid)s, now(), now()
                  FROM dropped d
                  JOIN res_partner p ON p.id = d.partner_id
             LEFT JOIN lost ON lost.partner_id = d.partner_id
                    ON CONFLICT (partner_id, company_id, period_start) DO NOTHING
             RETURNING id, partner_id
            )
            INSERT INTO crm_customer_partial_churn_category_rel (partial_churn_id, category_id)
            SELECT inserted.id, UNNEST(d.categories)
              FROM inserted
              JOIN dropped d ON d.partner_id = inserted.partner_id
                """,
                dropped=self._dropped_categories_sql(window),
                lost=self._revenue_lost_sql(window),
                tier=stored_values_sql(Partner, "p", ["value_tier"]),
                stage=stored_values_sql(Partner, "p", ["customer_stage_id"]),
                company=window.company,
                today=window.today,
                cur=window.cur,
                prev=window.prev,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()

    @api.model
    def _dropped_categories_sql(self, window):
        """Per customer of ``window`` still buying: the existing categories of the previous
        period that the current one lacks and no record of the current period holds yet."""
        return SQL(
            """
            SELECT partner_id, categories
              FROM (SELECT m.partner_id,
                           ARRAY(SELECT c.id
                                   FROM jsonb_array_elements_text(m.categories_prev) prev
                                   JOIN product_category c ON c.id = prev.value::int
                                 EXCEPT
                                 SELECT value::int
                                   FROM jsonb_array_elements_text(m.categories)
                                 EXCEPT
                                 SELECT rel.category_id
                                   FROM crm_customer_partial_churn pc
                                   JOIN crm_customer_partial_churn_category_rel rel
                                     ON rel.partial_churn_id = pc.id
                                  WHERE pc.partner_id = m.partner_id
                                    AND pc.company_id = m.company_id
                                    AND pc.date >= %(cur)s
                                 ORDER BY 1) AS categories
                      FROM crm_customer_metrics m
                     WHERE m.company_id = %(company)s
                       AND m.partner_id = ANY(%(ids)s)
                       AND jsonb_array_length(m.categories) > 0
                       AND jsonb_array_length(m.categories_prev) > 0) measured
             WHERE cardinality(categories) > 0
            """,
            cur=window.cur,
            company=window.company,
            ids=window.ids,
        )

    @api.model
    def _revenue_lost_sql(self, window):
        """Per customer of CTE ``dropped``: the previous period's sales of its dropped lines
        and the margin on them, as the metrics pass counts them (few lines: their order
        costs are looked up once they are found, whatever the number of customers)."""
        Metrics = self.env["crm.customer.metrics"]
        return SQL(
            """
            SELECT sale.partner_id, SUM(sale.amount) AS revenue, SUM(%(margin)s) AS margin
              FROM (SELECT sale.*
                      FROM %(sales)s sale
                      JOIN product_product pp ON pp.id = sale.product_id
                      JOIN product_template pt ON pt.id = pp.product_tmpl_id
                      JOIN dropped d ON d.partner_id = sale.partner_id
                                    AND pt.categ_id = ANY(d.categories)
                     WHERE sale.partner_id = ANY(%(ids)s)
                       AND sale.company_id = %(company)s
                       AND sale.date >= %(prev)s
                       AND sale.date < %(cur)s
                    OFFSET 0) sale
         LEFT JOIN %(ordered)s ordered ON ordered.invoice_line_id = sale.line_id
          GROUP BY sale.partner_id
            """,
            sales=Metrics._sale_lines(),
            ordered=ORDER_COSTS_FEW,
            margin=Metrics._sale_margin("sale", "ordered"),
            ids=window.ids,
            company=window.company,
            prev=window.prev,
            cur=window.cur,
        )
