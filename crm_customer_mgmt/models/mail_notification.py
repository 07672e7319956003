from odoo import models


class MailNotification(models.Model):
    """An email sent counts as a contact while its notification has not failed; a
    notification keeps no date of change, so the customer whose email bounces (or whose
    notification goes) is measured again by the next pass."""

    _inherit = "mail.notification"

    def write(self, vals):
        if "notification_status" in vals or "res_partner_id" in vals:
            self._measure_again()
        return super().write(vals)

    def unlink(self):
        self._measure_again()
        return super().unlink()

    def _measure_again(self):
        self.env["crm.customer.metrics"].sudo()._measure_again(self.sudo().res_partner_id.ids)
