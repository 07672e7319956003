# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_customer_warning_rule import LIVE
from .res_partner import USER_GROUP
from .tools import count_by


class ResPartner(models.Model):
    """Early warnings on the customer card."""

    _inherit = "res.partner"

    annual_sales_target = fields.Float(
        tracking=True,
        groups=USER_GROUP,
        help="What we mean to sell to this customer this year; the sales-progress warning"
        " compares the year's sales with it.",
    )
    customer_warning_ids = fields.One2many(
        "crm.customer.warning", "partner_id", string="Warnings", groups=USER_GROUP
    )
    customer_warning_count = fields.Integer(
        string="Open Warnings", compute="_compute_customer_warning_count", groups=USER_GROUP
    )

    @api.depends("customer_warning_ids.state")
    def _compute_customer_warning_count(self):
        counts = count_by(self, "crm.customer.warning", "partner_id", LIVE)
        for partner in self:
            partner.customer_warning_count = counts.get(partner, 0)

    @api.constrains("annual_sales_target")
    def _check_annual_sales_target(self):
        for partner in self:
            if partner.annual_sales_target < 0:
                raise ValidationError(
                    self.env._(
                        "The annual sales target of %(partner)s cannot be negative (%(target)s).",
                        partner=partner.display_name,
                        target=partner.annual_sales_target,
                    )
                )

    def action_open_warnings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_customer_mgmt.action_crm_customer_warning"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_live": 1}
        return action
