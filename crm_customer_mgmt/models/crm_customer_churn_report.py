from odoo import api, fields, models, tools
from odoo.tools import SQL

from .res_partner import VALUE_TIERS

MONTHS_BACK = 35  # the months before the current one the analysis covers (36 in all)
# A period is the number of its first month (year * 12 + month - 1) and the kind of period:
# PERIOD = month number * 2 + 1 for a quarter. A row's id is the id of the stage move it
# comes from times ROW_IDS plus its PERIOD (below ROW_IDS until the year 2730), so that ids
# stay below 2**53, as the web client needs, up to 137 billion moves.
ROW_IDS = 65536


def _month_number(date):
    """SQL: the month number of ``date`` (SQL), year * 12 + month - 1."""
    return SQL(
        "(date_part('year', %(date)s)::int * 12 + date_part('month', %(date)s)::int - 1)",
        date=date,
    )


def _period_key(partner, company, period):
    """SQL: one number per customer, company and period, to join on (each part in range:
    companies below 65536, periods below ROW_IDS)."""
    return SQL("%s::int8 * 4294967296 + %s * 65536 + %s", partner, company, period)


class CrmCustomerChurnReport(models.Model):
    """Churn rate (跳槽率) by month and by quarter over the last 36 months, read from the stage
    history and the partial churn records: a row per period and customer active at the
    period start (its latest stage move before the start entered a stage that is not the
    interrupted one), or lost (moved into the interrupted stage from another), dropping
    product lines or won back (moved out of the interrupted stage) in it. Card owner, tier
    and stage are those the move in force at the start recorded (for a customer whose first
    move falls in the period: that move's owner and tier, no stage). ``churn_rate`` averages
    to the customers lost out of those active at the start, in percent.

    A customer's moves are intervals, from a move's date to the next one's: each makes the
    rows of the periods that start in it, in one pass over the history in its index order,
    with no join between periods and moves; what happened in a period (few rows) is joined
    on one number per customer and period.

    A supervisors' analysis: reps read their own customers' moves and drops, not this."""

    _name = "crm.customer.churn.report"
    _description = "Customer Churn Analysis"
    _auto = False
    _order = "date desc, id"
    _rec_name = "partner_id"

    date = fields.Date(string="Period", readonly=True, help="First day of the period.")
    granularity = fields.Selection([("month", "Month"), ("quarter", "Quarter")], readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Card Owner", readonly=True)
    value_tier = fields.Selection(VALUE_TIERS, readonly=True)
    stage_id = fields.Many2one(
        "crm.customer.stage",
        string="Stage at Start",
        readonly=True,
        help="The relationship stage at the period start.",
    )
    churn_reason_id = fields.Many2one(
        "crm.churn.reason",
        string="Churn Reason",
        readonly=True,
        help="Why the customer was lost in the period, else why it dropped product lines.",
    )
    active_start = fields.Integer(
        string="Active at Start", readonly=True, help="1 when the customer was active."
    )
    lost = fields.Integer(readonly=True, help="1 when the customer was lost in the period.")
    partial = fields.Integer(
        string="Dropped Lines",
        readonly=True,
        help="1 when the customer dropped product lines in the period (partial churn).",
    )
    won_back = fields.Integer(
        readonly=True, help="1 when the customer came back from the interrupted stage."
    )
    churn_rate = fields.Float(
        string="Churn Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Customers lost out of those active at the period start, in percent.",
    )
    revenue_lost = fields.Float(
        readonly=True,
        help="12-month sales of the customers lost, at the loss, and the previous period's"
        " sales of the product lines dropped, in company currency.",
    )
    margin_lost = fields.Float(
        readonly=True,
        help="12-month margin of the customers lost, at the loss, and the previous period's"
        " margin on the product lines dropped, in company currency.",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    # Reading ----------------------------------------------------------------------------

    @api.model
    def _search(self, domain, *args, **kwargs):
        self._tune_transaction()
        return super()._search(domain, *args, **kwargs)

    def _fetch_query(self, query, fields):
        self._tune_transaction()
        return super()._fetch_query(query, fields)

    def _tune_transaction(self):
        """A read of the view aggregates millions of rows at 100,000 customers: the planner
        cannot count the periods each move makes and would compile the query (JIT), which
        costs more than running it, and the default work_mem spills its joins to disk."""
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute("SET LOCAL work_mem = '64MB'")

    # The view ---------------------------------------------------------------------------

    def _query(self):
        # joined on the customer too: a filter on a customer then reaches both sides
        return SQL(
            """
            WITH periods AS (%(periods)s)
            SELECT s.id::int8 * %(row_ids)s + s.period AS id,
                   s.granularity,
                   make_date(s.period / 24, s.period / 2 %% 12 + 1, 1) AS date,
                   s.company_id, s.partner_id, s.user_id, s.value_tier,
                   CASE WHEN s.known THEN s.stage_to_id END AS stage_id,
                   e.churn_reason_id,
                   CASE WHEN s.known AND NOT s.interrupted THEN 1 ELSE 0 END AS active_start,
                   COALESCE(e.lost, 0) AS lost,
                   COALESCE(e.partial, 0) AS partial,
                   COALESCE(e.won_back, 0) AS won_back,
                   CASE WHEN s.known AND NOT s.interrupted
                        THEN COALESCE(e.lost, 0) * 100.0 END::float8 AS churn_rate,
                   COALESCE(e.revenue_lost, 0) AS revenue_lost,
                   COALESCE(e.margin_lost, 0) AS margin_lost
              FROM (%(starts)s) s
         LEFT JOIN (%(events)s) e ON e.key = s.key AND e.granularity = s.granularity
                                   AND e.partner_id = s.partner_id
             WHERE (s.known AND NOT s.interrupted) OR e.key IS NOT NULL
            """,
            periods=self._periods(),
            starts=self._starts(),
            events=self._events(),
            row_ids=ROW_IDS,
        )

    @staticmethod
    def _periods():
        """Per granularity: its length in months, its first and last period, and its kind."""
        return SQL(
            """
            SELECT g.granularity, g.step, g.kind,
                   today.month - %(back)s - (today.month - %(back)s) %% g.step AS first,
                   today.month - today.month %% g.step AS last
              FROM (SELECT %(month)s AS month) today,
                   (VALUES ('month', 1, 0), ('quarter', 3, 1)) g(granularity, step, kind)
            """,
            back=MONTHS_BACK,
            month=_month_number(SQL("CURRENT_DATE")),
        )

    @staticmethod
    def _starts():
        """Each move with the periods starting after it and not after the next move (the
        move in force at their start, ``known``), and a customer's first move with its own
        period too (the customer is not known at its start)."""
        return SQL(
            """
            SELECT m.id, m.partner_id, m.company_id, m.user_id, m.value_tier, m.stage_to_id,
                   stage.is_interrupted IS TRUE AS interrupted,
                   n > m.month - m.month %% p.step AS known,
                   p.granularity, n * 2 + p.kind AS period,
                   %(key)s AS key
              FROM (SELECT id, partner_id, company_id, user_id, value_tier, stage_to_id,
                           %(month)s AS month,
                           LAG(id) OVER w IS NULL AS first_move,
                           %(month_next)s AS month_next
                      FROM crm_customer_stage_history
                    WINDOW w AS (PARTITION BY partner_id, company_id ORDER BY date, id)) m
              JOIN crm_customer_stage stage ON stage.id = m.stage_to_id
        CROSS JOIN periods p
        CROSS JOIN LATERAL generate_series(
                       GREATEST(m.month - m.month %% p.step
                                    + CASE WHEN m.first_move THEN 0 ELSE p.step END,
                                p.first),
                       LEAST(m.month_next, p.last),
                       p.step) n
            """,
            key=_period_key(SQL("m.partner_id"), SQL("m.company_id"), SQL("n * 2 + p.kind")),
            month=_month_number(SQL("date")),
            month_next=_month_number(SQL("LEAD(date) OVER w")),
        )

    def _events(self):
        """Per period and customer: lost, won back and dropped lines, what they cost, and
        the reason (a loss's before a drop's, the latest first)."""
        return SQL(
            """
            SELECT p.granularity, %(key)s AS key, ev.partner_id,
                   MAX(ev.lost) AS lost, MAX(ev.won_back) AS won_back,
                   MAX(ev.partial) AS partial,
                   SUM(ev.revenue_lost)::float8 AS revenue_lost,
                   SUM(ev.margin_lost)::float8 AS margin_lost,
                   (MAX(ARRAY[ev.lost, ev.date - DATE '2000-01-01', ev.source,
                              ev.churn_reason_id])
                        FILTER (WHERE ev.churn_reason_id IS NOT NULL AND ev.won_back = 0))[4]
                       AS churn_reason_id
              FROM (%(moves)s UNION ALL %(drops)s) ev
              JOIN periods p ON ev.month BETWEEN p.first AND p.last + p.step - 1
          GROUP BY 1, 2, 3
            """,
            key=_period_key(
                SQL("ev.partner_id"),
                SQL("ev.company_id"),
                SQL("(ev.month - ev.month %% p.step) * 2 + p.kind"),
            ),
            moves=self._moves(),
            drops=self._drops(),
        )

    @staticmethod
    def _moves():
        """Stage moves that lose a customer or win it back, with what the loss costs (the
        customer's sales and margin of the 12 months before)."""
        return SQL(
            """
            SELECT h.id * 2 AS source, h.partner_id, h.company_id, h.date, %(month)s AS month,
                   h.churn_reason_id,
                   CASE WHEN stage_to.is_interrupted IS TRUE THEN 1 ELSE 0 END AS lost,
                   CASE WHEN stage_to.is_interrupted IS TRUE THEN 0 ELSE 1 END AS won_back,
                   0 AS partial,
                   CASE WHEN stage_to.is_interrupted IS TRUE THEN h.revenue_12m ELSE 0 END
                       AS revenue_lost,
                   CASE WHEN stage_to.is_interrupted IS TRUE THEN h.margin_12m ELSE 0 END
                       AS margin_lost
              FROM crm_customer_stage_history h
              JOIN crm_customer_stage stage_to ON stage_to.id = h.stage_to_id
              JOIN crm_customer_stage stage_from ON stage_from.id = h.stage_from_id
             WHERE (stage_to.is_interrupted IS TRUE) <> (stage_from.is_interrupted IS TRUE)
            """,
            month=_month_number(SQL("h.date")),
        )

    @staticmethod
    def _drops():
        """Partial churn: product lines dropped, with the previous period's sales and
        margin on them."""
        return SQL(
            """
            SELECT pc.id * 2 + 1, pc.partner_id, pc.company_id, pc.date, %(month)s,
                   pc.churn_reason_id, 0, 0, 1, pc.revenue_lost, pc.margin_lost
              FROM crm_customer_partial_churn pc
            """,
            month=_month_number(SQL("pc.date")),
        )
