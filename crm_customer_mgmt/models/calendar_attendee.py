from odoo import models


class CalendarAttendee(models.Model):
    """A meeting is a contact of its attendees' customers: they are measured again when it
    loses an attendee, or is deleted with them."""

    _name = "calendar.attendee"
    _inherit = ["calendar.attendee", "crm.customer.measured.mixin"]
