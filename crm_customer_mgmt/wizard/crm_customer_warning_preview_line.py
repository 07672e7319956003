from odoo import fields, models

from ..engine import rule_trial


class CrmCustomerWarningPreviewLine(models.TransientModel):
    """One customer of a preview: what a run would do for it, and what was measured."""

    _name = "crm.customer.warning.preview.line"
    _description = "Customer Warning Rule Preview Line"
    _order = "sequence, partner_id"

    preview_id = fields.Many2one(
        "crm.customer.warning.preview", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer()
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    mark = fields.Selection(
        [
            (rule_trial.WOULD_OPEN, "Would open"),
            (rule_trial.ALREADY_OPEN, "Already open"),
            (rule_trial.WOULD_RESOLVE, "Would resolve"),
        ],
        string="Run Would",
        required=True,
    )
    severity = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("critical", "Critical")]
    )
    values = fields.Char(string="Measured")
    warning_id = fields.Many2one("crm.customer.warning", string="Live Warning")
