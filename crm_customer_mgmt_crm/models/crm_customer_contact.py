from odoo import api, models
from odoo.tools import SQL


class CrmCustomerContact(models.AbstractModel):
    """Activities on opportunities count as contacts of the opportunity's customer: the
    commercial partner of its partner."""

    _inherit = "crm.customer.contact"

    @api.model
    def _contact_sources(self, ids, date_from, date_to, notes=True):
        moments = self._contact_moments(date_from, date_to)
        return {
            **super()._contact_sources(ids, date_from, date_to, notes),
            "lead_activity": self._source_lead_activities(ids, moments, notes),
        }

    def _source_lead_activities(self, ids, moments, notes=True):
        """Done activities of a contact type on the customer's opportunities (and leads),
        lost ones included: the call was made."""
        return self._activity_messages(
            ids,
            moments,
            notes,
            "crm.lead",
            SQL(
                """JOIN crm_lead lead ON lead.id = msg.res_id
                   JOIN res_partner p ON p.id = lead.partner_id"""
            ),
            record=(SQL("'crm.lead'"), SQL("lead.id")),
        )

    @api.model
    def _planned_contacts(self, ids, date_from, date_to):
        """Also the pending activities of a contact type on the customer's open leads and
        opportunities."""
        start = self._contact_moments(date_from, date_to)[0]
        leads = self._pending_activities(
            ids,
            date_from or start.date(),
            date_to,
            "crm.lead",
            SQL(
                """JOIN crm_lead lead ON lead.id = act.res_id
                   JOIN res_partner p ON p.id = lead.partner_id"""
            ),
            SQL("lead.active"),
        )
        return SQL("%s UNION ALL (%s)", super()._planned_contacts(ids, date_from, date_to), leads)

    @api.model
    def _flush_sources(self):
        """The leads the opportunities' activities join to the customer."""
        self.env["crm.lead"].flush_model(["partner_id", "active"])
        return super()._flush_sources()
