from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import credit as credit_engine
from .tools import check_ranges

FACTORS = [
    ("punctuality", "Days paid late"),
    ("overdue_share", "Overdue share of receivable (%)"),
    ("overdue_days", "Oldest overdue (days)"),
    ("limit_usage", "Credit limit used (%)"),
    ("relationship_years", "Years as a customer"),
    ("reputation", "Reputation score"),
    ("evaluation", "Evaluation score"),
    ("trust", "Odoo debtor trust"),
    ("dso", "Days sales outstanding"),
]


class CrmCreditFactor(models.Model):
    _name = "crm.credit.factor"
    _description = "Credit Score Factor"
    _order = "sequence, id"

    key = fields.Selection(FACTORS, string="Measure", required=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    weight = fields.Float(default=10, digits=(5, 2), help="Relative weight in the credit score.")
    good = fields.Float(
        string="Full Points At",
        digits=(10, 2),
        help="Value at or beyond which the factor earns all its points.",
    )
    bad = fields.Float(
        string="No Points At",
        digits=(10, 2),
        help="Value at or beyond which the factor earns nothing.",
    )
    active = fields.Boolean(default=True)

    _key_unique = models.UniqueIndex("(key) WHERE active", "Each measure is scored once.")

    @api.constrains("weight", "good", "bad", "active")
    def _check_factor(self):
        check_ranges(self, {"weight": (0, 100)})
        for factor in self:
            if factor.good == factor.bad:
                raise ValidationError(
                    self.env._(
                        "Credit factor %s needs different values for full points and no points.",
                        factor.name,
                    )
                )
        if not any(self.search([("active", "=", True)]).mapped("weight")):
            raise ValidationError(
                self.env._("At least one active credit factor needs a weight above zero.")
            )

    @api.model
    def _engine_factors(self):
        return [
            credit_engine.Factor(f.key, f.weight, f.good, f.bad)
            for f in self.search([("active", "=", True)])
        ]
