# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
import json
from collections import Counter

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import analysis, incremental
from .res_partner import USER_GROUP
from .settings import CLV_DISCOUNT, CLV_HORIZON, TIER_CHURN_RATES, get_setting

RFM_SEGMENTS = [
    (analysis.CHAMPIONS, "Champions"),
    (analysis.LOYAL, "Loyal"),
    (analysis.POTENTIAL, "Potential loyalists"),
    (analysis.NEW, "New"),
    (analysis.PROMISING, "Promising"),
    (analysis.ATTENTION, "Need attention"),
    (analysis.ABOUT_TO_SLEEP, "About to sleep"),
    (analysis.AT_RISK, "At risk"),
    (analysis.CANT_LOSE, "Can't lose them"),
    (analysis.HIBERNATING, "Hibernating"),
    (analysis.LOST, "Lost"),
]
QUADRANTS = [
    (analysis.MOST_PRECIOUS, "Big and loyal: the most precious"),
    (analysis.MOST_DANGEROUS, "Big and disloyal: the most dangerous"),
    (analysis.TOMORROWS_STAR, "Small and loyal: tomorrow's stars"),
    (analysis.DROP, "Small and disloyal: let go"),
]


def _pass_field(field_type, *args, **kwargs):
    """A column the metrics pass writes, per company, for the app's users only."""
    return field_type(
        *args, company_dependent=True, copy=False, readonly=True, groups=USER_GROUP, **kwargs
    )


class ResPartner(models.Model):
    """Customer analysis, kept current by the metrics pass: margin and profit beside revenue,
    ranks, lifetime value, RFM segment, the value x loyalty quadrant and the customer type
    the purchase history suggests."""

    _inherit = "res.partner"

    customer_margin = _pass_field(
        fields.Float,
        string="Margin (12 months)",
        help="Sales of the last 12 months less what the goods sold cost us, credit notes"
        " deducted, in company currency.",
    )
    customer_profit = _pass_field(
        fields.Float,
        string="Profit (12 months)",
        help="The margin of the last 12 months less the cost to serve the customer booked in"
        " them (freight, rebates, promotion).",
    )
    revenue_rank = fields.Integer(
        compute="_compute_ranks",
        groups=USER_GROUP,
        help="1 for the customer with the most revenue over the last 12 months, at the last"
        " pass; customers without revenue are not ranked.",
    )
    profit_rank = fields.Integer(
        compute="_compute_ranks",
        groups=USER_GROUP,
        help="1 for the customer bringing the most profit over the last 12 months, at the"
        " last pass; loss-making customers come last.",
    )
    is_cost_customer = _pass_field(
        fields.Boolean,
        string="Cost Customer",
        help="Among the largest by revenue (class A), but low or negative on profit (class C"
        " by profit): revenue that does not pay.",
    )
    customer_lifetime_value = _pass_field(
        fields.Float,
        string="Lifetime Value",
        help="Margin to date plus the margin expected to come, discounted.",
    )
    customer_lifetime_value_explanation = _pass_field(
        fields.Text, string="Lifetime Value Explained"
    )
    rfm_recency = _pass_field(fields.Integer, string="Recency Score", aggregator="avg")
    rfm_frequency = _pass_field(fields.Integer, string="Frequency Score", aggregator="avg")
    rfm_monetary = _pass_field(fields.Integer, string="Money Score", aggregator="avg")
    rfm_segment = _pass_field(
        fields.Selection,
        RFM_SEGMENTS,
        string="RFM Segment",
        help="From the recency of the last invoice, the invoices and the sales of the last 12"
        " months, each scored 1-5 by fifths of the company's buying customers.",
    )
    value_loyalty_quadrant = _pass_field(
        fields.Selection,
        QUADRANTS,
        string="Value x Loyalty",
        help="Big: VIP or key customer. Loyal: as the card's attitude says; else buying half"
        " its needs or more from us; else buying in both this period and the one before.",
    )
    suggested_customer_type = _pass_field(
        fields.Selection,
        [
            (analysis.POTENTIAL_TYPE, "Potential"),
            (analysis.ONE_TIME_TYPE, "One-time"),
            (analysis.LOYAL_TYPE, "Loyal"),
        ],
        string="Suggested Type",
        help="From the invoices: never bought, bought on one day only, or bought again.",
    )
    customer_type_differs = fields.Boolean(
        compute="_compute_customer_type_differs", groups=USER_GROUP
    )

    @api.depends_context("company")
    def _compute_ranks(self):
        """Read from the metrics table in one query: stored, every customer's rank would
        change each time one customer moves past others."""
        ranks = {}
        if self.ids:
            rows = self.env.execute_query(
                SQL(
                    """
                SELECT partner_id, basis, position FROM (
                    SELECT partner_id, 'revenue' AS basis,
                           ROW_NUMBER() OVER (ORDER BY sales_12m DESC, partner_id) AS position
                      FROM crm_customer_metrics
                     WHERE company_id = %(company)s AND sales_12m <> 0
                     UNION ALL
                    SELECT partner_id, 'profit',
                           ROW_NUMBER() OVER (ORDER BY margin_12m - cost_to_serve_12m DESC,
                                                       partner_id)
                      FROM crm_customer_metrics
                     WHERE company_id = %(company)s AND margin_12m - cost_to_serve_12m <> 0
                ) ranked
                 WHERE partner_id = ANY(%(ids)s)
                    """,
                    company=self.env.company.id,
                    ids=self._origin.ids,
                )
            )
            ranks = {(pid, basis): position for pid, basis, position in rows}
        for partner in self:
            partner.revenue_rank = ranks.get((partner._origin.id, "revenue"), 0)
            partner.profit_rank = ranks.get((partner._origin.id, "profit"), 0)

    @api.depends("customer_type", "suggested_customer_type")
    def _compute_customer_type_differs(self):
        for partner in self:
            partner.customer_type_differs = bool(
                partner.suggested_customer_type
                and partner.customer_type
                and partner.customer_type != partner.suggested_customer_type
            )

    def action_apply_suggested_type(self):
        """Take the type the purchase history suggests (a click on the card)."""
        for partner in self.filtered("suggested_customer_type"):
            partner.customer_type = partner.suggested_customer_type
        return True

    # The pass ------------------------------------------------------------------------------

    def _analysis_changes(self, measured, values, today):
        """Partner id -> the analysis columns to write, from the measures and the pass's
        values for the batch (stage, tier, share)."""
        stages = self.env["crm.customer.stage"].search([("is_interrupted", "=", True)])
        interrupted = set(stages.ids)
        stored = self._stored_values(["value_tier", "loyalty_attitude", "customer_stage_id"])
        churn = self._kept_tier_churn_rates(today, interrupted)
        discount, horizon = get_setting(self.env, CLV_DISCOUNT), get_setting(self.env, CLV_HORIZON)
        words = self._lifetime_value_words()
        changes = {}
        for pid in self.ids:
            row, facts = values.get(pid, {}), measured.get(pid) or {}
            tier, attitude, stage = stored[pid]
            tier = row.get("value_tier", tier)
            stage = row.get("customer_stage_id", stage)
            margin_12m = facts.get("margin_12m") or 0.0
            loyal = analysis.is_loyal(
                attitude,
                row.get("share_of_wallet"),
                bool(facts.get("invoice_count")),
                bool(facts.get("invoice_count_prev")),
            )
            value = analysis.lifetime_value(
                facts.get("margin_total") or 0.0,
                margin_12m,
                churn.get(tier, 0.0),
                discount,
                horizon,
                lost=stage in interrupted,
            )
            changes[pid] = {
                "customer_margin": margin_12m,
                "customer_profit": margin_12m - (facts.get("cost_to_serve_12m") or 0.0),
                "customer_lifetime_value": round(value.total, 2),
                "customer_lifetime_value_explanation": self._lifetime_value_text(
                    value, tier, stage in interrupted, (discount, horizon), words
                ),
                "value_loyalty_quadrant": analysis.value_loyalty_quadrant(tier, loyal),
                "suggested_customer_type": analysis.suggested_type(
                    facts.get("first_invoice_date"), facts.get("last_invoice_date")
                ),
            }
        return changes

    def _keep_tier_churn_rates(self, today, ranks, renew=None):
        """Work out the tiers' churn rates for the month's first pass, from the tiers it
        ranked (``_ranks()``), and keep them for the month's passes and Refreshes, so that
        the lifetime values hold still within a month; a full pass worked out again because
        the settings changed (``renew``, why the pass is full) works them out again."""
        kept = get_setting(self.env, TIER_CHURN_RATES)
        renewed = renew in (incremental.FIRST, incremental.SETTINGS)
        if kept and kept[0] == str(today.replace(day=1)) and not renewed:
            return
        stages = self.env["crm.customer.stage"].search([("is_interrupted", "=", True)])
        tiers = {pid: row["value_tier"] for pid, row in ranks.items() if row["rfm_segment"]}
        rates = self._tier_churn_rates(today, set(stages.ids), tiers)
        self.env["ir.config_parameter"].sudo().set_param(
            TIER_CHURN_RATES.key_in(self.env),
            json.dumps({"month": str(today.replace(day=1)), "rates": rates}, sort_keys=True),
        )

    def _kept_tier_churn_rates(self, today, interrupted):
        """The rates the pass kept this month, else worked out from the stored tiers."""
        kept = get_setting(self.env, TIER_CHURN_RATES)
        if kept and kept[0] == str(today.replace(day=1)):
            return kept[1]
        return self._tier_churn_rates(today, interrupted)

    def _tier_churn_rates(self, today, interrupted, tiers=None):
        """Value tier -> customers lost in the 12 full months before this one over the
        customers of the tier who bought, in percent, in this company. A customer lost
        counts in the tier its move into the interrupted stage kept; as in the churn
        analysis, a first placement there is no loss. The others count in their tier of
        ``tiers`` (partner id -> tier of each customer who bought, as the pass ranks them
        tonight), else in their stored one (a Refresh).
        Over full months, the rates and so the lifetime values hold still within a month."""
        until = today.replace(day=1)
        since = until - relativedelta(months=12)
        key = str(self.env.company.id)
        lost = dict(
            self.env.execute_query(
                SQL(
                    """
                SELECT DISTINCT ON (h.partner_id) h.partner_id,
                       COALESCE(h.value_tier, p.value_tier ->> %(key)s)
                  FROM crm_customer_stage_history h
                  JOIN res_partner p ON p.id = h.partner_id
                 WHERE h.stage_to_id = ANY(%(interrupted)s) AND h.company_id = %(company)s
                   AND h.stage_from_id IS NOT NULL
                   AND NOT h.stage_from_id = ANY(%(interrupted)s)
                   AND h.date >= %(since)s AND h.date < %(until)s
              ORDER BY h.partner_id, h.date DESC, h.id DESC
                    """,
                    company=self.env.company.id,
                    key=key,
                    since=since,
                    until=until,
                    interrupted=list(interrupted),
                )
            )
        )
        lost_by_tier = Counter(tier for tier in lost.values() if tier)
        if tiers is None:  # a Refresh: the stored tiers, counted in SQL
            staying_by_tier = Counter(
                dict(
                    self.env.execute_query(
                        SQL(
                            """
                SELECT p.value_tier ->> %(key)s, COUNT(*)
                  FROM res_partner p
                  JOIN crm_customer_metrics m
                    ON m.partner_id = p.id AND m.company_id = %(company)s
                 WHERE m.first_invoice_date IS NOT NULL AND p.id <> ALL(%(lost)s)
                   AND NOT COALESCE((p.customer_stage_id ->> %(key)s)::int
                                    = ANY(%(interrupted)s), FALSE)
              GROUP BY 1
                            """,
                            company=self.env.company.id,
                            key=key,
                            lost=list(lost),
                            interrupted=list(interrupted),
                        )
                    )
                )
            )
        else:  # the pass: tonight's tiers of the customers who bought, but those stopped
            stopped = {
                pid
                for (pid,) in self.env.execute_query(
                    SQL(
                        """
                SELECT p.id FROM res_partner p
                  JOIN crm_customer_metrics m
                    ON m.partner_id = p.id AND m.company_id = %(company)s
                 WHERE (p.customer_stage_id ->> %(key)s)::int = ANY(%(interrupted)s)
                        """,
                        company=self.env.company.id,
                        key=key,
                        interrupted=list(interrupted),
                    )
                )
            }
            staying_by_tier = Counter(
                tier for pid, tier in tiers.items() if pid not in lost and pid not in stopped
            )
        return {
            tier: 100.0 * lost_by_tier[tier] / (staying_by_tier[tier] + lost_by_tier[tier])
            for tier in (lost_by_tier.keys() | staying_by_tier.keys()) - {None}
        }

    def _lifetime_value_words(self):
        tiers = dict(self._fields["value_tier"]._description_selection(self.env))
        return {
            "tiers": tiers,
            "to_date": self.env._("Margin to date: %s"),
            "annual": self.env._("Margin of the last 12 months: %s a year"),
            "churn": self.env._(
                "Churn rate of %(tier)s customers: %(rate)s%% a year, so %(years)s more years"
                " expected (within %(horizon)s)"
            ),
            "lost": self.env._("Lost customer: no margin expected to come"),
            "future": self.env._(
                "Expected future margin: %(annual)s × %(factor)s discounted years (at %(rate)s%%"
                " a year) = %(future)s"
            ),
            "total": self.env._("Lifetime value: %(to_date)s + %(future)s = %(total)s"),
        }

    @api.model
    def _lifetime_value_text(self, value, tier, lost, settings, words):
        """The lifetime value in words, one part a line, like the credit score's."""
        discount, horizon = settings

        def amount(number):
            return f"{number:,.2f}"

        lines = [
            words["to_date"] % amount(value.margin_to_date),
            words["annual"] % amount(value.annual_margin),
        ]
        if lost:
            lines.append(words["lost"])
        else:
            lines.append(
                words["churn"]
                % {
                    "tier": words["tiers"].get(tier, "—"),
                    "rate": f"{value.churn_rate:.1f}",
                    "years": f"{value.expected_years:.1f}",
                    "horizon": horizon,
                }
            )
        lines.append(
            words["future"]
            % {
                "annual": amount(value.annual_margin),
                "factor": f"{value.discount_factor:.2f}",
                "rate": f"{discount:g}",
                "future": amount(value.future_margin),
            }
        )
        lines.append(
            words["total"]
            % {
                "to_date": amount(value.margin_to_date),
                "future": amount(value.future_margin),
                "total": amount(value.total),
            }
        )
        return "\n".join(lines)
