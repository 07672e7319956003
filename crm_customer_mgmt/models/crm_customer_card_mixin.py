from odoo import api, models
from odoo.exceptions import AccessError


class CrmCustomerCardMixin(models.AbstractModel):
    """Records that belong to a customer's card through ``partner_id``.

    Record rules check a record before a write, not after: a rep could otherwise create a
    line for another rep's customer, or re-point his own line there. Whoever sets
    ``partner_id`` must be allowed to edit that customer.
    """

    _name = "crm.customer.card.mixin"
    _description = "Record of a Customer Card"

    @api.model_create_multi
    def create(self, vals_list):
        self._check_customer_access(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_customer_access([vals])
        return super().write(vals)

    def _check_customer_access(self, vals_list):
        partner_ids = {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        if not partner_ids or self.env.su:
            return
        try:
            self.env["res.partner"].browse(partner_ids).check_access("write")
        except AccessError as error:
            raise AccessError(
                self.env._(
                    "%(what)s can only belong to customers whose card you may edit.",
                    what=self.env["ir.model"]._get(self._name).name,
                )
            ) from error
