from odoo import fields, models


class CrmCreditGradeHistory(models.Model):
    _name = "crm.credit.grade.history"
    _description = "Credit Grade Change"
    _order = "date desc, id desc"
    _rec_name = "grade_to_id"

    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The company whose view of the customer changed.",
    )
    grade_from_id = fields.Many2one("crm.credit.grade", string="From", ondelete="set null")
    grade_to_id = fields.Many2one("crm.credit.grade", string="To", ondelete="set null")
    score = fields.Float(digits=(5, 1), aggregator="avg")
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    explanation = fields.Text(help="The factors and their points at the time.")
