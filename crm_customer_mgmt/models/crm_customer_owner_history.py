from odoo import fields, models


class CrmCustomerOwnerHistory(models.Model):
    """Who a customer passed from and to at each hand-over. Written by the hand-over only:
    nobody edits or deletes a row (the access rights grant reading alone)."""

    _name = "crm.customer.owner.history"
    _description = "Customer Owner Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        help="The company the hand-over was made in.",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    from_user_id = fields.Many2one("res.users", string="From", index=True, ondelete="set null")
    to_user_id = fields.Many2one("res.users", string="To", index=True, ondelete="set null")
    reason = fields.Text(required=True)
    handed_over_by_id = fields.Many2one("res.users", string="Handed Over By", ondelete="set null")
    batch = fields.Char(
        string="Hand-over", index=True, help="The hand-over this change was part of."
    )
