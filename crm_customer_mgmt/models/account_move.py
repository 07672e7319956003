from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def button_draft(self):
        """An entry set back to draft may be posted again for another customer: the one its
        items leave is measured again by the next pass (the one they join, by their date of
        change)."""
        self._measure_again()
        return super().button_draft()

    def button_cancel(self):
        self._measure_again()
        return super().button_cancel()

    def _measure_again(self):
        partners = self.sudo().line_ids.partner_id | self.sudo().commercial_partner_id
        self.env["crm.customer.metrics"].sudo()._measure_again(partners.ids)
