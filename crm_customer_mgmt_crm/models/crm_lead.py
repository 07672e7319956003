from odoo import models


class CrmLead(models.Model):
    """An opportunity deleted or moved to another customer leaves the counts of the one it
    leaves: that customer is measured again by the next pass."""

    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.customer.measured.mixin"]
