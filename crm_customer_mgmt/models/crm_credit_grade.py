from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine import credit as credit_engine
from .tools import count_by, count_in_every_company


class CrmCreditGrade(models.Model):
    _name = "crm.credit.grade"
    _description = "Credit Grade"
    _order = "min_score desc, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    min_score = fields.Float(
        string="From Score", digits=(5, 1), help="Scores from this value up get this grade."
    )
    credit_limit_factor = fields.Float(
        string="Limit (months of sales)",
        digits=(5, 2),
        help="Recommended credit limit: this many months of the customer's average sales.",
    )
    payment_term_id = fields.Many2one(
        "account.payment.term", string="Payment Terms", help="Terms to propose at this grade."
    )
    block_order_confirmation = fields.Boolean(
        help="Only customer managers may confirm sale orders of customers with this grade.",
    )
    warn_on_quotation = fields.Boolean(
        string="Warn on Quotations", help="Show the grade and its reason on draft quotations."
    )
    policy = fields.Text(translate=True, help="What this grade means for terms and volume.")
    color = fields.Integer()
    active = fields.Boolean(default=True)
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")

    def _compute_partner_count(self):
        counts = count_by(self, "res.partner", "credit_grade_id")
        for grade in self:
            grade.partner_count = counts.get(grade, 0)

    @api.constrains("min_score", "credit_limit_factor", "active")
    def _check_bands(self):
        for grade in self:
            if grade.credit_limit_factor < 0:
                raise ValidationError(
                    self.env._(
                        "The credit limit factor of grade %s cannot be negative.", grade.name
                    )
                )
        grades = self.search([("active", "=", True)])
        problems = credit_engine.grade_problems(grades.mapped("min_score"))
        messages = {
            "start": self.env._("The lowest credit grade must start at a score of 0."),
            "overlap": self.env._(
                "Two credit grades start at the same score: their bands overlap."
            ),
            "range": self.env._("Credit grades start at scores between 0 and 100."),
        }
        if problems:
            raise ValidationError(messages[problems[0]])

    @api.ondelete(at_uninstall=False)
    def _unlink_except_held(self):
        """A deleted grade would silently lift its policy (e.g. the order block) from its
        customers; archiving keeps it on them until the next pass regrades them."""
        held = {
            grade: n
            for grade, n in count_in_every_company(self, "res.partner", "credit_grade_id").items()
            if n
        }
        if held:
            grade, count = next(iter(held.items()))
            raise UserError(
                self.env._(
                    "Credit grade %(grade)s is held by %(count)s customers and cannot be"
                    " deleted: archive it instead. Its customers keep it until the next metrics"
                    " pass moves them to an active grade; then it can be deleted.",
                    grade=grade.name,
                    count=count,
                )
            )
