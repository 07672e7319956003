from odoo import fields, models


class CrmCustomerStageHistory(models.Model):
    _name = "crm.customer.stage.history"
    _description = "Customer Stage Change"
    _order = "date desc, id desc"
    _rec_name = "stage_to_id"

    partner_id = fields.Many2one("res.partner", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The company whose relationship with the customer changed.",
    )
    user_id = fields.Many2one(
        "res.users", string="Card Owner", index=True, help="Who owned the card at the change."
    )
    stage_from_id = fields.Many2one("crm.customer.stage", string="From", ondelete="restrict")
    stage_to_id = fields.Many2one(
        "crm.customer.stage", string="To", required=True, ondelete="restrict"
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    share_of_wallet = fields.Float(string="Share of Wallet (%)", digits=(6, 2), aggregator="avg")
    change = fields.Selection(
        [
            ("entered", "Entered"),
            ("advanced", "Advanced"),
            ("fell", "Fell back"),
            ("interrupted", "Interrupted"),
            ("returned", "Returned"),
            ("confirmed", "Confirmed"),
            ("manual", "Set by hand"),
        ],
        required=True,
    )
    reason = fields.Text()
    duration_days = fields.Integer(
        string="Days in Previous Stage", aggregator="avg", help="Time spent in the stage left."
    )
    churn_reason_id = fields.Many2one("crm.churn.reason")
