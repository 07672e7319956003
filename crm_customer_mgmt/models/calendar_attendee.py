from odoo import models


class CalendarAttendee(models.Model):
    _inherit = "calendar.attendee"

    def unlink(self):
        """A meeting is a contact of its attendees' customers: they are measured again when
        it loses an attendee, or is deleted with them."""
        self.env["crm.customer.metrics"].sudo()._measure_again(self.sudo().partner_id.ids)
        return super().unlink()
