from odoo import api, models

from .tools import check_customers_access, created_values


class CrmCustomerCardMixin(models.AbstractModel):
    """Records that belong to a customer's card through ``partner_id``.

    Record rules check a record before a write, not after: a rep could otherwise create a
    line for another rep's customer, or re-point his own line there. Whoever sets
    ``partner_id`` must be allowed to edit that customer.
    """

    _name = "crm.customer.card.mixin"
    _inherit = ["crm.customer.measured.mixin"]
    _description = "Record of a Customer Card"

    @api.model_create_multi
    def create(self, vals_list):
        self._check_customer_access([created_values(self, vals) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        self._check_customer_access([vals])
        return super().write(vals)

    def _check_customer_access(self, vals_list):
        check_customers_access(
            self.env,
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")},
            "write",
            self.env._(
                "%(what)s can only belong to customers whose card you may edit.",
                what=self.env["ir.model"]._get(self._name).name,
            ),
        )
