# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

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

    @api.depends("customer_warning_ids.state", "customer_warning_ids.snoozed_until")
    def _compute_customer_warning_count(self):
        live = self.env["crm.customer.warning"]._live_domain()
        counts = count_by(self, "crm.customer.warning", "partner_id", live)
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

    # The scope widget of a warning rule counts and lists with this context key: customers,
    # as the rule watches them, not every contact.
    @api.model
    def search_count(self, domain, limit=None):
        return super().search_count(self._warning_scope_domain(domain), limit=limit)

    @api.model
    def web_search_read(self, domain, *args, **kwargs):
        return super().web_search_read(self._warning_scope_domain(domain), *args, **kwargs)

    @api.model
    def _warning_scope_domain(self, domain):
        if not self.env.context.get("crm_customer_warning_scope"):
            return domain
        customers = self.env["crm.customer.metrics"]._customer_domain()
        return Domain.AND([Domain(customers), Domain(domain)])

    def action_open_warnings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_customer_mgmt.action_crm_customer_warning"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_live": 1}
        return action

    def action_mark_card_reviewed(self):
        res = super().action_mark_card_reviewed()
        self._refresh_review_warnings()
        return res

    def _refresh_review_warnings(self):
        """The card-review warnings of these customers, measured again now rather than at the
        next nightly run: resolved when the condition no longer holds, else reworded."""
        today = fields.Date.context_today(self)
        Warning = self.env["crm.customer.warning"].sudo()
        warnings = Warning.search(
            Warning._live_domain(snoozed=True)
            & Domain("partner_id", "in", self.ids)
            & Domain("rule_id.condition_ids.metric", "=", "days_since_review")
        )
        for rule, rule_warnings in warnings.grouped("rule_id").items():
            rule._recheck(rule_warnings, today)
