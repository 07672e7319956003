from odoo import models


class CrmCustomerMeasuredMixin(models.AbstractModel):
    """Records the metrics pass reads through their ``partner_id``. One going away, or
    moving to another customer, leaves a change no date of change tells the next,
    incremental, pass: the customer it leaves is marked to be measured again (the one it
    joins is found by its date of change)."""

    _name = "crm.customer.measured.mixin"
    _description = "Record the Customer Metrics Read"

    def write(self, vals):
        if "partner_id" in vals:
            self._measure_again()
        return super().write(vals)

    def unlink(self):
        self._measure_again()
        return super().unlink()

    def _measure_again(self):
        self.env["crm.customer.metrics"].sudo()._measure_again(self.sudo().partner_id.ids)
