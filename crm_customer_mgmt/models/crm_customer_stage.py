from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import stages as stage_engine
from .tools import count_by


class CrmCustomerStage(models.Model):
    _name = "crm.customer.stage"
    _description = "Customer Relationship Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    share_min = fields.Float(
        string="Share From (%)", digits=(6, 2), help="Lowest share of wallet in this stage."
    )
    share_max = fields.Float(
        string="Share To (%)",
        digits=(6, 2),
        help="Share of wallet where the next stage starts; the top stage is open above.",
    )
    is_interrupted = fields.Boolean(
        string="Interrupted Stage",
        help="Where customers go, from any stage, when they stop trading for the interruption"
        " period.",
    )
    requires_confirmation = fields.Boolean(
        help="Customers qualifying for this stage are proposed to a manager instead of"
        " entering it.",
    )
    playbook = fields.Html(translate=True, help="The tactics for customers in this stage.")
    activity_plan_id = fields.Many2one(
        "mail.activity.plan",
        string="Activities on Entry",
        domain=[("res_model", "=", "res.partner")],
        help="Activities scheduled for the card owner when a customer enters this stage.",
    )
    fold = fields.Boolean(string="Folded in Kanban")
    active = fields.Boolean(default=True)
    partner_count = fields.Integer(string="Customers", compute="_compute_partner_count")

    def _compute_partner_count(self):
        counts = count_by(self, "res.partner", "customer_stage_id")
        for stage in self:
            stage.partner_count = counts.get(stage, 0)

    @api.constrains("share_min", "share_max", "is_interrupted", "sequence", "active")
    def _check_bands(self):
        stages = self.search([("active", "=", True)])
        if len(stages.filtered("is_interrupted")) > 1:
            raise ValidationError(self.env._("Only one stage can be the interrupted stage."))
        ladder = stages.filtered(lambda stage: not stage.is_interrupted)
        if not ladder:
            return
        for stage in ladder:
            if stage.share_min < 0:
                raise ValidationError(
                    self.env._("Stage %s cannot start below a share of 0%%.", stage.name)
                )
        if ladder.sorted("share_min").ids != ladder.ids:  # the order, not just the set
            raise ValidationError(
                self.env._(
                    "Stages must be ordered by their share bands: a relationship climbs them in"
                    " sequence, one at a time."
                )
            )
        problems = stage_engine.band_problems(ladder._engine_stages())
        if problems:
            raise ValidationError(self._band_problem_message(*problems[0]))

    def _band_problem_message(self, kind, first, second):
        first, second = self.browse(first.id), self.browse(second.id)
        messages = {
            "overlap": self.env._(
                "The share bands of stages %(first)s and %(second)s overlap: %(first)s ends at"
                " %(end)s%% but %(second)s starts at %(start)s%%.",
            ),
            "gap": self.env._(
                "The share bands leave a gap between stages %(first)s and %(second)s: %(first)s"
                " ends at %(end)s%% but %(second)s starts at %(start)s%%.",
            ),
            "start": self.env._(
                "The lowest stage, %(first)s, must start at a share of 0%%, not %(start)s%%."
            ),
            "empty": self.env._(
                "The share band of stage %(first)s is empty: it starts at %(start)s%% and ends at"
                " %(end)s%%."
            ),
        }
        return messages[kind] % {
            "first": first.name,
            "second": second.name,
            "start": second.share_min,
            "end": first.share_max,
        }

    def _engine_stages(self):
        return [
            stage_engine.Stage(
                id=stage.id,
                share_min=stage.share_min,
                share_max=stage.share_max,
                is_interrupted=stage.is_interrupted,
                requires_confirmation=stage.requires_confirmation,
            )
            for stage in self
        ]

    def action_open_customers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_customer_mgmt.action_res_partner_customer_card"
        )
        action["domain"] = [("customer_stage_id", "=", self.id)]
        action["context"] = {"default_is_company": True}
        return action
