from odoo import api, fields, models
from odoo.exceptions import UserError

from .res_partner import MANAGER_GROUP


class SaleOrder(models.Model):
    _inherit = "sale.order"

    customer_credit_grade_id = fields.Many2one(
        "crm.credit.grade", string="Customer Credit Grade", compute="_compute_credit_warning"
    )
    credit_grade_warning = fields.Text(compute="_compute_credit_warning")

    @api.depends("partner_id", "state")
    def _compute_credit_warning(self):
        for order in self:
            customer = order.partner_id.commercial_partner_id.sudo()
            grade = customer.credit_grade_id
            order.customer_credit_grade_id = grade
            risky = grade.block_order_confirmation or grade.warn_on_quotation
            order.credit_grade_warning = (
                order._credit_grade_text(customer)
                if risky and order.state in ("draft", "sent")
                else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders.filtered(lambda order: order.state == "sale")._check_credit_grade()
        return orders

    def write(self, vals):
        # every path to a confirmed order writes its state: button, portal, RPC, copies
        if vals.get("state") == "sale":
            self.filtered(lambda order: order.state != "sale")._check_credit_grade()
        return super().write(vals)

    def _check_credit_grade(self):
        """Refuse confirming orders whose customer's grade blocks it, unless a manager does."""
        blocked = self.filtered(
            lambda order: order.partner_id.commercial_partner_id.sudo().credit_blocks_orders
        )
        if not blocked:
            return
        if not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(blocked[0]._credit_block_refusal())
        for order in blocked:
            grade = order.partner_id.commercial_partner_id.sudo().credit_grade_id
            order.message_post(
                body=self.env._(
                    "Confirmed by %(user)s despite credit grade %(grade)s.",
                    user=self.env.user.name,
                    grade=grade.name,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _credit_block_refusal(self):
        customer = self.partner_id.commercial_partner_id.sudo()
        managers = (
            self.env.ref(MANAGER_GROUP)
            .sudo()
            .all_user_ids.filtered(lambda user: not user.share and user.id != 1)
        )
        return self.env._(
            "%(warning)s\nOnly a customer manager can confirm it: %(managers)s.",
            warning=self._credit_grade_text(customer),
            managers=", ".join(managers.mapped("name")) or self.env._("none defined"),
        )

    def _credit_grade_text(self, customer):
        grade = customer.credit_grade_id
        text = self.env._(
            "%(customer)s has credit grade %(grade)s (score %(score)s).",
            customer=customer.name,
            grade=grade.name,
            score=customer.credit_score,
        )
        if grade.block_order_confirmation:
            text += " " + self.env._("Confirming its orders is blocked for sales reps.")
        if grade.policy:
            text += "\n" + grade.policy
        if customer.credit_score_explanation:
            text += "\n" + customer.credit_score_explanation
        return text
