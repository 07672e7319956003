from odoo import fields, models


class CrmChurnReason(models.Model):
    _name = "crm.churn.reason"
    _description = "Customer Churn Reason"
    _order = "kind, sequence, id"

    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(
        [("internal", "Internal"), ("external", "External")],
        required=True,
        default="internal",
        help="Internal: on our side (people, quality, trust). External: on the customer's side.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
