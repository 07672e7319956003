from odoo import fields, models

from ..engine.contacts import EMAIL, MEETING, PHONE

CONTACT_KINDS = [(PHONE, "Phone (T)"), (EMAIL, "Email (E)"), (MEETING, "Meeting (M)")]


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    crm_contact_kind = fields.Selection(
        CONTACT_KINDS,
        string="Counts as Customer Contact",
        help="A done activity of this type on a customer, or on one of its people, counts as a"
        " contact of this kind (T, E or M in the contact calendar). Empty: not a contact.",
    )
