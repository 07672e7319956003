from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.crm_customer_mgmt.models.crm_customer_metrics import AS_OF_NONE, Measure


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
        # what is open and since when it stalls is the state of now: Odoo keeps neither
        # the past stages nor when a reopened opportunity had been closed
        return [
            *super()._measure_definitions(),
            Measure("opportunities_open", "opp", "opp.open", AS_OF_NONE),
            Measure("opportunity_stalled_days", "opp", "opp.stalled_days", AS_OF_NONE),
            Measure("opportunities_won", "opp_closed", "COALESCE(opp_closed.won, 0)"),
            Measure("opportunities_won_prev", "opp_closed", "COALESCE(opp_closed.won_prev, 0)"),
            Measure("opportunities_lost", "opp_closed", "COALESCE(opp_closed.lost, 0)"),
            Measure("opportunities_lost_prev", "opp_closed", "COALESCE(opp_closed.lost_prev, 0)"),
        ]

    @api.model
    def _measure_sources(self, window):
        return {
            **super()._measure_sources(window),
            "opp": self._source_open_opportunities(window),
            "opp_closed": self._source_closed_opportunities(window),
        }

    @api.model
    def _pass_change_sources(self, since):
        """Also the customers of the opportunities, and of their messages, written since."""
        return {
            **super()._pass_change_sources(since),
            "opportunities": SQL(
                """SELECT p.commercial_partner_id AS partner_id
                     FROM crm_lead lead
                     JOIN res_partner p ON p.id = lead.partner_id
                    WHERE lead.write_date >= %s""",
                since,
            ),
            "opportunity_messages": SQL(
                """SELECT p.commercial_partner_id AS partner_id
                     FROM mail_message msg
                     JOIN crm_lead lead ON lead.id = msg.res_id
                     JOIN res_partner p ON p.id = lead.partner_id
                    WHERE msg.model = 'crm.lead' AND msg.write_date >= %s""",
                since,
            ),
        }

    @api.model
    def _pass_calendar_sources(self, customers, before, today):
        """Also the customers with an open opportunity (it stalls a day longer) and those
        with one closed on a day entering or leaving the periods."""
        window = self._window(customers, today)
        closed = SQL(" OR ").join(
            SQL("lead.date_closed::date BETWEEN %s AND %s", first, last)
            for first, last in self._pass_swept(before, today)
        )
        return {
            **super()._pass_calendar_sources(customers, before, today),
            "open_opportunities": SQL(
                "SELECT partner_id FROM (%s) open", self._source_open_opportunities(window)
            ),
            "closed_opportunities": SQL(
                """SELECT p.commercial_partner_id AS partner_id
                     FROM crm_lead lead
                     JOIN res_partner p ON p.id = lead.partner_id
                    WHERE %s AND lead.won_status IN ('won', 'lost') AND (%s)""",
                self._opportunities_where(window),
                closed,
            ),
        }

    def _measure_prepare(self):
        self.env["crm.lead"].flush_model()
        return super()._measure_prepare()

    def _opportunities_where(self, window):
        """The customers' opportunities in the company, or in none."""
        return SQL(
            """p.commercial_partner_id = ANY(%(ids)s)
                   AND lead.type = 'opportunity'
                   AND (lead.company_id = %(company)s OR lead.company_id IS NULL)""",
            ids=window.ids,
            company=window.company,
        )

    def _source_open_opportunities(self, window):
        """Open now (neither won, lost nor archived), and the days since the one that has
        waited longest in its stage last changed stage."""
        return SQL(
            """
                SELECT p.commercial_partner_id AS partner_id, COUNT(*) AS open,
                       MAX(%(today)s - lead.date_last_stage_update::date) AS stalled_days
                  FROM crm_lead lead
                  JOIN res_partner p ON p.id = lead.partner_id
                 WHERE %(where)s
                   AND lead.active
                   AND lead.won_status = 'pending'
              GROUP BY p.commercial_partner_id
            """,
            today=window.today,
            where=self._opportunities_where(window),
        )

    def _source_closed_opportunities(self, window):
        """Won (in a won stage) and lost (archived at probability 0), as Odoo's
        ``won_status`` says, in each period, dated by their closing."""
        return SQL(
            """
                SELECT p.commercial_partner_id AS partner_id,
                       COUNT(*) FILTER (WHERE lead.won_status = 'won'
                                          AND lead.date_closed >= %(cur)s) AS won,
                       COUNT(*) FILTER (WHERE lead.won_status = 'won'
                                          AND lead.date_closed < %(cur)s) AS won_prev,
                       COUNT(*) FILTER (WHERE lead.won_status = 'lost'
                                          AND lead.date_closed >= %(cur)s) AS lost,
                       COUNT(*) FILTER (WHERE lead.won_status = 'lost'
                                          AND lead.date_closed < %(cur)s) AS lost_prev
                  FROM crm_lead lead
                  JOIN res_partner p ON p.id = lead.partner_id
                 WHERE %(where)s
                   AND lead.won_status IN ('won', 'lost')
                   AND lead.date_closed >= %(prev)s
                   AND lead.date_closed < %(end)s
              GROUP BY p.commercial_partner_id
            """,
            cur=window.cur,
            prev=window.prev,
            end=window.today + timedelta(days=1),
            where=self._opportunities_where(window),
        )
