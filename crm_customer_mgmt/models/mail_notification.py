from odoo import models


class MailNotification(models.Model):
    """An email sent counts as a contact while its notification has not failed; a
    notification keeps no date of change, so the customer whose email bounces (or whose
    notification goes) is measured again by the next pass."""

    _name = "mail.notification"
    _inherit = ["mail.notification", "crm.customer.measured.mixin"]
    _measured_partner = "res_partner_id"
    _measured_fields = ("res_partner_id", "notification_status")
