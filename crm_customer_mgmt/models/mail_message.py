from odoo import models
from odoo.tools import SQL


class MailMessage(models.Model):
    _inherit = "mail.message"

    # the contacts of a few days (the contact calendar, the incremental pass's period
    # bounds) are read by date among a customer base's millions of messages
    _date_idx = models.Index("(date)")

    def unlink(self):
        """A deleted message may be a contact the pass counted: its customers are measured
        again."""
        if self.ids:
            Metrics = self.env["crm.customer.metrics"].sudo()
            rows = self.env.execute_query(
                Metrics._message_customers(SQL("msg.id = ANY(%s)", self.ids))
            )
            Metrics._measure_again([row[0] for row in rows])
        return super().unlink()
