from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import credit as credit_engine
from .tools import check_ranges


class CrmCreditFactor(models.Model):
    _name = "crm.credit.factor"
    _description = "Credit Score Factor"
    _order = "sequence, id"

    key = fields.Selection(selection="_selection_key", string="Measure", required=True)
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

    @api.model
    def _selection_key(self):
        return [
            (key, self.env._(factor.label))
            for key, factor in self._credit_factor_measures().items()
        ]

    @api.constrains("key", "weight", "good", "bad", "active")
    def _check_factor(self):
        check_ranges(self, {"weight": (0, 100)})
        measures = self._credit_factor_measures()
        for factor in self:
            if factor.key not in measures:
                raise ValidationError(self.env._("Unknown credit factor measure: %s.", factor.key))
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
    def _credit_factor_measures(self):
        """Key -> ``credit_engine.FactorMeasure``: what a factor can score. An addon adds a
        factor by returning it here too, measured from the pass's measures (every one of
        them, by name), Odoo's partner fields and the card."""
        return credit_engine.MEASURES

    @api.model
    def _engine_factors(self):
        return [
            credit_engine.Factor(f.key, f.weight, f.good, f.bad)
            for f in self.search([("active", "=", True)])
        ]
