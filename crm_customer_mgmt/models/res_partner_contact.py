# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models

from ..engine import contacts as contact_engine
from .mail_activity_type import CONTACT_KINDS
from .res_partner import USER_GROUP

# what the card shows of the pass's contact measures (crm.customer.metrics)
CONTACT_COUNTS = ("contacts_phone", "contacts_email", "contacts_meeting")


class ResPartner(models.Model):
    """Contact discipline on the card: the last contact, the cadence, the next one due; the
    metrics pass writes them each night (see ``_contact_changes()``)."""

    _inherit = "res.partner"

    last_contact_date = fields.Date(
        string="Last Contact",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="Last call, email or meeting with the customer or one of its people.",
    )
    last_contact_kind = fields.Selection(
        CONTACT_KINDS,
        string="Last Contact By",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
    )
    contact_cadence_days = fields.Integer(
        string="Contact Every (days)",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="The contact cadence that fits the customer's value tier and stage.",
    )
    next_contact_date = fields.Date(
        string="Next Contact Due",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="The last contact plus the cadence; empty when no cadence applies.",
    )
    contact_priority = fields.Integer(
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="Order of importance in Contacts due: 1 for VIP customers, 5 for those without"
        " a tier.",
    )
    contact_on_time = fields.Integer(
        string="Contacted on Time (%)",
        company_dependent=True,
        readonly=True,
        copy=False,
        aggregator="avg",
        groups=USER_GROUP,
        help="100 when the customer was not late for a contact at the last pass, 0 when it"
        " was: averaged over a rep's customers, the share kept on time.",
    )
    days_since_last_contact = fields.Integer(
        string="Days Without Contact", compute="_compute_contact_days", groups=USER_GROUP
    )
    contact_days_late = fields.Integer(
        string="Days Late",
        compute="_compute_contact_days",
        groups=USER_GROUP,
        help="Days past the next contact's due date; negative while there is time left.",
    )
    contacts_phone = fields.Integer(
        string="Calls (period)", compute="_compute_contact_counts", groups=USER_GROUP
    )
    contacts_email = fields.Integer(
        string="Emails (period)", compute="_compute_contact_counts", groups=USER_GROUP
    )
    contacts_meeting = fields.Integer(
        string="Meetings (period)", compute="_compute_contact_counts", groups=USER_GROUP
    )

    @api.depends_context("company")
    @api.depends("last_contact_date", "next_contact_date")
    def _compute_contact_days(self):
        today = fields.Date.context_today(self)
        for partner in self:
            last = partner.last_contact_date
            partner.days_since_last_contact = (today - last).days if last else 0
            partner.contact_days_late = (
                contact_engine.days_late(partner.next_contact_date, today) or 0
            )

    @api.depends_context("company")
    def _compute_contact_counts(self):
        measured = self.env["crm.customer.metrics"]._measure_values(self.commercial_partner_id.ids)
        for partner in self:
            row = measured.get(partner.commercial_partner_id.id) or {}
            for name in CONTACT_COUNTS:
                partner[name] = row.get(name) or 0

    # The pass ------------------------------------------------------------------------------

    def _contact_changes(self, measured, values, today):
        """Partner id -> the contact columns to write, from the measures and each customer's
        tier and stage (``values``, the pass's values for the batch, where it set them)."""
        cadences = self.env["crm.customer.contact.cadence"]._engine_cadences()
        missing = [p for p in self.ids if "value_tier" not in values.get(p, {})]
        stored = self.browse(missing)._stored_values(["value_tier"]) if missing else {}
        since = {row["id"]: row["create_date"].date() for row in self.read(["create_date"])}
        changes = {}
        for pid in self.ids:
            row, facts = values.get(pid, {}), measured.get(pid) or {}
            tier = row["value_tier"] if "value_tier" in row else stored[pid][0]
            cadence = contact_engine.cadence_for(cadences, tier, row.get("customer_stage_id"))
            days = cadence.days if cadence else 0
            last = facts.get("last_contact_date")
            following = contact_engine.next_contact(last, days, since[pid])
            changes[pid] = {
                "last_contact_date": last,
                "last_contact_kind": facts.get("last_contact_kind"),
                "contact_cadence_days": days,
                "next_contact_date": following,
                "contact_priority": contact_engine.priority(tier),
                "contact_on_time": 100 if contact_engine.on_time(following, today) else 0,
            }
        return changes

    # Actions ------------------------------------------------------------------------------

    def action_log_contact(self):
        """Log a contact made: Odoo's activity dialog, on a call, to mark done with its note."""
        self.ensure_one()
        return self._contact_activity_action(
            self.env._("Log a Contact"),
            "mail.mail_activity_data_call",
            fields.Date.context_today(self),
        )

    def action_schedule_contact(self):
        """Plan the next contact: Odoo's activity dialog on a call, due when the cadence says."""
        self.ensure_one()
        due = max(
            self.next_contact_date or fields.Date.context_today(self),
            fields.Date.context_today(self),
        )
        return self._contact_activity_action(
            self.env._("Schedule a Contact"), "mail.mail_activity_data_call", due
        )

    def action_plan_visit(self):
        """Plan a visit: a calendar meeting with the customer's people as attendees."""
        self.ensure_one()
        customer = self.commercial_partner_id
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Plan a Visit"),
            "res_model": "calendar.event",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_name": self.env._("Visit: %s", customer.name),
                "default_partner_ids": [self.env.user.partner_id.id, self.id],
                "default_location": customer._display_address(without_company=True).replace(
                    "\n", ", "
                ),
            },
        }

    def _contact_activity_action(self, title, activity_type, due):
        activity_type = self.env.ref(activity_type, raise_if_not_found=False)
        return {
            "type": "ir.actions.act_window",
            "name": title,
            "res_model": "mail.activity",
            "view_mode": "form",
            "views": [(self.env.ref("mail.mail_activity_view_form_popup").id, "form")],
            "target": "new",
            "context": {
                "default_res_model": "res.partner",
                "default_res_id": self.commercial_partner_id.id,
                "default_activity_type_id": activity_type.id if activity_type else False,
                "default_date_deadline": due,
                "default_user_id": self.env.uid,
            },
        }
