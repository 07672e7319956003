from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .tools import check_ranges


class CrmCustomerEvaluationCriterion(models.Model):
    _name = "crm.customer.evaluation.criterion"
    _description = "Customer Evaluation Criterion"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    weight = fields.Float(
        default=1.0,
        digits=(6, 2),
        help="Relative weight of this criterion in the card's evaluation score.",
    )
    description = fields.Text(translate=True, help="What a high or a low score means.")
    active = fields.Boolean(default=True)

    @api.constrains("weight", "active")
    def _check_weight(self):
        check_ranges(self, {"weight": (0, 100)})
        active = self.search([("active", "=", True)])
        if active and not any(active.mapped("weight")):
            raise ValidationError(
                self.env._(
                    "At least one active evaluation criterion needs a weight above zero,"
                    " or no evaluation score can be computed."
                )
            )
