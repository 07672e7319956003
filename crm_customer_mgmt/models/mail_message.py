from odoo import models
from odoo.tools import SQL


class MailMessage(models.Model):
    _inherit = "mail.message"

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
