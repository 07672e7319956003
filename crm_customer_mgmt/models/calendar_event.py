from odoo import models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    def unlink(self):
        """A deleted meeting was a contact of its attendees' customers (its attendees go with
        it, by a cascade that calls no unlink): they are measured again."""
        partners = self.sudo().attendee_ids.partner_id
        self.env["crm.customer.metrics"].sudo()._measure_again(partners.ids)
        return super().unlink()
