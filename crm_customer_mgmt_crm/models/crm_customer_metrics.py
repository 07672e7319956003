from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.crm_customer_mgmt.models.crm_customer_metrics import (
    AS_OF_APPROXIMATE,
    AS_OF_NONE,
    Measure,
)


class CrmCustomerMetrics(models.Model):
    """The customers' opportunities as signals of the sales progress: a customer is the
    commercial partner of an opportunity's partner."""

    _inherit = "crm.customer.metrics"

    opportunities_open = fields.Integer(string="Open Opportunities")
    opportunity_stalled_days = fields.Integer(
        string="Longest Stalled Opportunity (days)",
        help="Days since the open opportunity that has waited longest in its stage last"
        " changed stage; empty without an open opportunity.",
    )
    opportunities_won = fields.Integer(string="Opportunities Won (period)")
    opportunities_won_prev = fields.Integer(string="Opportunities Won (previous period)")
    opportunities_lost = fields.Integer(string="Opportunities Lost (period)")
    opportunities_lost_prev = fields.Integer(string="Opportunities Lost (previous period)")

    @api.model
    def _measure_definitions(self):
        # open ones are rebuilt from the dates of creation and closing, which reopening
        # clears; the stage changes of a past day are not kept
        return [
            *super()._measure_definitions(),
            Measure("opportunities_open", "opp", "COALESCE(opp.open, 0)", AS_OF_APPROXIMATE),
            Measure("opportunity_stalled_days", "opp", "opp.stalled_days", AS_OF_NONE),
            Measure("opportunities_won", "opp", "COALESCE(opp.won, 0)"),
            Measure("opportunities_won_prev", "opp", "COALESCE(opp.won_prev, 0)"),
            Measure("opportunities_lost", "opp", "COALESCE(opp.lost, 0)"),
            Measure("opportunities_lost_prev", "opp", "COALESCE(opp.lost_prev, 0)"),
        ]

    @api.model
    def _measure_sources(self, window):
        return {**super()._measure_sources(window), "opp": self._source_opportunities(window)}

    def _measure_prepare(self):
        self.env["crm.lead"].flush_model()
        return super()._measure_prepare()

    def _source_opportunities(self, window):
        """Opportunities of the customers in the company (or in none): open now (as of a
        past day: opened by then and not closed yet then), and won or lost in each period,
        dated by their closing. Won: in a won stage; lost: archived at probability 0, as
        Odoo's ``won_status`` says."""
        end = window.today + timedelta(days=1)
        is_open = (
            SQL(
                """(COALESCE(lead.date_conversion, lead.create_date) < %(end)s
                    AND (lead.date_closed >= %(end)s
                         OR (lead.date_closed IS NULL AND lead.active
                             AND lead.won_status = 'pending')))""",
                end=end,
            )
            if window.as_of
            else SQL("(lead.active AND lead.won_status = 'pending')")
        )
        return SQL(
            """
                SELECT partner_id,
                       COUNT(*) FILTER (WHERE open) AS open,
                       MAX(%(today)s - staged) FILTER (WHERE open) AS stalled_days,
                       COUNT(*) FILTER (WHERE status = 'won' AND closed >= %(cur)s) AS won,
                       COUNT(*) FILTER (WHERE status = 'won' AND closed < %(cur)s) AS won_prev,
                       COUNT(*) FILTER (WHERE status = 'lost' AND closed >= %(cur)s) AS lost,
                       COUNT(*) FILTER (WHERE status = 'lost' AND closed < %(cur)s) AS lost_prev
                  FROM (SELECT p.commercial_partner_id AS partner_id, %(open)s AS open,
                               lead.date_last_stage_update::date AS staged,
                               lead.date_closed AS closed,
                               -- won or lost by the end of the window's day
                               CASE WHEN lead.date_closed < %(end)s THEN lead.won_status END
                                   AS status
                          FROM crm_lead lead
                          JOIN res_partner p ON p.id = lead.partner_id
                         WHERE p.commercial_partner_id = ANY(%(ids)s)
                           AND lead.type = 'opportunity'
                           AND (lead.company_id = %(company)s OR lead.company_id IS NULL)
                           AND (%(open)s OR (lead.date_closed >= %(prev)s
                                             AND lead.date_closed < %(end)s))) opportunities
              GROUP BY partner_id
            """,
            open=is_open,
            end=end,
            today=window.today,
            cur=window.cur,
            prev=window.prev,
            ids=window.ids,
            company=window.company,
        )
