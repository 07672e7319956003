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
        return SQL(
            """%(planned)s
             UNION ALL
               (SELECT p.commercial_partner_id, act.date_deadline, mat.crm_contact_kind,
                       'mail.activity', act.id, COALESCE(act.summary, act.note::text),
                       act.user_id
                  FROM mail_activity act
                  JOIN mail_activity_type mat ON mat.id = act.activity_type_id
                  JOIN crm_lead lead ON lead.id = act.res_id
                  JOIN res_partner p ON p.id = lead.partner_id
                 WHERE act.res_model = 'crm.lead'
                   AND act.active
                   AND lead.active
                   AND mat.crm_contact_kind IS NOT NULL
                   AND p.commercial_partner_id = ANY(%(ids)s)
                   AND act.date_deadline BETWEEN %(date_from)s AND %(date_to)s)""",
            planned=super()._planned_contacts(ids, date_from, date_to),
            ids=ids,
            date_from=date_from or start.date(),
            date_to=date_to,
        )
