from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import stages as stage_engine
from ..models.res_partner_stage import StageMove


class CrmCustomerStageWizard(models.TransientModel):
    _name = "crm.customer.stage.wizard"
    _description = "Set a Customer's Relationship Stage by Hand"

    partner_ids = fields.Many2many(
        "res.partner", string="Customers", default=lambda self: self._default_partners()
    )
    stage_id = fields.Many2one("crm.customer.stage", required=True)
    is_interrupted = fields.Boolean(related="stage_id.is_interrupted")
    reason = fields.Text(required=True, help="Why the stage is set by hand; kept in the history.")
    churn_reason_id = fields.Many2one("crm.churn.reason")

    @api.model
    def _default_partners(self):
        if self.env.context.get("active_model") == "res.partner":
            return self.env["res.partner"].browse(self.env.context.get("active_ids"))
        return self.env["res.partner"]

    @api.constrains("stage_id", "churn_reason_id")
    def _check_churn_reason(self):
        for wizard in self:
            if wizard.stage_id.is_interrupted and not wizard.churn_reason_id:
                raise ValidationError(
                    self.env._("Say why the customer stopped buying: choose a churn reason.")
                )

    def action_apply(self):
        self.partner_ids._check_stage_manager()
        today = fields.Date.context_today(self)
        stages = self.env["crm.customer.stage"].search([("active", "=", True)])
        shares = self.env["crm.customer.wallet"]._current_shares(self.partner_ids.ids, today)
        reason = self.env._(
            "Set by %(user)s: %(reason)s", user=self.env.user.name, reason=self.reason
        )
        moves = {}
        for partner in self.partner_ids:
            share = shares.get(partner.id)
            band = (
                stages.browse(stage_engine.band_for(stages._engine_stages(), share).id)
                if share is not None
                else stages.browse()
            )
            moves[partner] = StageMove(
                self.stage_id, "manual", reason, band=band, churn_reason=self.churn_reason_id
            )
        self.partner_ids._move_stages(moves, today)
        return {"type": "ir.actions.act_window_close"}
