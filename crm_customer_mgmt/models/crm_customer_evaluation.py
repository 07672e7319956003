from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmCustomerEvaluation(models.Model):
    _name = "crm.customer.evaluation"
    _description = "Customer Evaluation Line"
    _order = "partner_id, sequence, id"

    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", True)],
    )
    criterion_id = fields.Many2one(
        "crm.customer.evaluation.criterion", required=True, ondelete="restrict"
    )
    sequence = fields.Integer(related="criterion_id.sequence", store=True)
    weight = fields.Float(related="criterion_id.weight")
    score = fields.Integer(help="0 (poor) to 100 (excellent).")
    scored = fields.Boolean(
        compute="_compute_scored",
        store=True,
        readonly=False,
        help="Unscored lines are left out of the evaluation score instead of counting as zero."
        " Any score above zero marks the line scored; tick it to count a zero.",
    )
    note = fields.Char()

    _partner_criterion_unique = models.Constraint(
        "UNIQUE(partner_id, criterion_id)",
        "A card has one evaluation line per criterion.",
    )

    @api.depends("score")
    def _compute_scored(self):
        for line in self:
            line.scored = line.scored or bool(line.score)

    @api.constrains("score")
    def _check_score(self):
        for line in self:
            if not 0 <= line.score <= 100:
                raise ValidationError(
                    self.env._(
                        "The score for %(criterion)s must be between 0 and 100, not %(score)s.",
                        criterion=line.criterion_id.name,
                        score=line.score,
                    )
                )
