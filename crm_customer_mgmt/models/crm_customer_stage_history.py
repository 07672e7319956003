from odoo import fields, models

from .res_partner import VALUE_TIERS
from .tools import refuse_owned_fields

# What the metrics pass and the stage wizard write; the churn analysis counts losses and what
# they cost from them. A supervisor records a loss's reason, nobody else changes a thing.
MOVE_FIELDS = frozenset(
    {
        "partner_id",
        "company_id",
        "user_id",
        "stage_from_id",
        "stage_to_id",
        "date",
        "share_of_wallet",
        "change",
        "reason",
        "duration_days",
        "value_tier",
        "revenue_12m",
        "margin_12m",
    }
)


class CrmCustomerStageHistory(models.Model):
    _name = "crm.customer.stage.history"
    _description = "Customer Stage Change"
    _order = "date desc, id desc"
    _rec_name = "stage_to_id"
    # the churn analysis reads each customer's rows in this order (crm.customer.churn.report)
    _partner_company_date_idx = models.Index("(partner_id, company_id, date, id)")

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
    # what the customer was worth at the move, for the churn analysis
    value_tier = fields.Selection(VALUE_TIERS, help="The customer's value tier at the change.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    revenue_12m = fields.Monetary(
        string="Sales (12 months)",
        help="The customer's sales of the 12 months before the change, as the metrics pass"
        " last measured them.",
    )
    margin_12m = fields.Monetary(
        string="Margin (12 months)",
        help="The customer's margin of the 12 months before the change, as the metrics pass"
        " last measured it.",
    )

    def write(self, vals):
        refuse_owned_fields(self, vals, MOVE_FIELDS)
        return super().write(vals)
