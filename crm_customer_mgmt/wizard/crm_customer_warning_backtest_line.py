from odoo import fields, models


class CrmCustomerWarningBacktestLine(models.TransientModel):
    """One figure of a back-test at one date: warnings opened or resolved since the date
    before, or live on it."""

    _name = "crm.customer.warning.backtest.line"
    _description = "Customer Warning Rule Back-test Line"
    _order = "date, figure"

    backtest_id = fields.Many2one(
        "crm.customer.warning.backtest", required=True, index=True, ondelete="cascade"
    )
    summary = fields.Char(related="backtest_id.summary")
    date = fields.Date(required=True)
    period = fields.Char(string="Month-end", required=True)
    figure = fields.Selection(
        [("opened", "Would open"), ("resolved", "Would resolve"), ("live", "Live")],
        required=True,
    )
    count = fields.Integer(string="Warnings", aggregator="sum")
