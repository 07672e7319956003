from odoo import models


class CrmCustomerMeasuredMixin(models.AbstractModel):
    """Records the metrics pass reads through a partner (``_measured_partner``). One going
    away, or changing one of ``_measured_fields`` (moving to another customer, say), leaves
    a change no date of change tells the next, incremental, pass: the customer it leaves is
    marked to be measured again (the one it joins is found by its date of change)."""

    _name = "crm.customer.measured.mixin"
    _description = "Record the Customer Metrics Read"
    _measured_partner = "partner_id"
    _measured_fields = ("partner_id",)

    def write(self, vals):
        if set(self._measured_fields) & set(vals):
            self._measure_again()
        return super().write(vals)

    def unlink(self):
        self._measure_again()
        return super().unlink()

    def _measure_again(self):
        partners = self.sudo()[self._measured_partner]
        self.env["crm.customer.metrics"].sudo()._measure_again(partners.ids)
