from odoo import models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    def write(self, vals):
        """An opportunity moved to another customer leaves its counts: the customer it
        leaves is measured again by the next pass (the one it joins, by its date of change)."""
        if "partner_id" in vals:
            self._measure_again()
        return super().write(vals)

    def unlink(self):
        self._measure_again()
        return super().unlink()

    def _measure_again(self):
        self.env["crm.customer.metrics"].sudo()._measure_again(self.sudo().partner_id.ids)
