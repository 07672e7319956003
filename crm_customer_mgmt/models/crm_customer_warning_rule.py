from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .crm_customer_warning_rule_condition import (
    _RULE_OWN,
    OPERATORS,
    RULE_CREATE_KEY,
    RULE_WRITE_KEY,
)
from .res_partner import MANAGER_GROUP
from .tools import check_ranges, count_by, exclusive_runs

RUN_LOCK = "crm_customer_mgmt.warning_rules"  # one rule run at a time per company
# a change of these lifts the block of a run that hit the cap
CAP_RESETS = frozenset(
    (
        "condition_ids",
        "match",
        "metric",
        "operator",
        "threshold",
        "partner_domain",
        "max_new_warnings",
    )
)


class CrmCustomerWarningRule(models.Model):
    _name = "crm.customer.warning.rule"
    _description = "Customer Warning Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, tracking=True
    )
    match = fields.Selection(
        [("all", "All conditions hold"), ("any", "Any condition holds")],
        string="Warn When",
        required=True,
        default="all",
        tracking=True,
    )
    condition_ids = fields.One2many(
        "crm.customer.warning.rule.condition", "rule_id", string="Condition Lines", copy=True
    )
    # the first condition's, for the rules and the code that know one condition
    metric = fields.Selection(
        selection="_selection_metric",
        compute="_compute_first_condition",
        inverse="_inverse_first_condition",
        store=True,
        copy=False,
    )
    operator = fields.Selection(
        OPERATORS,
        compute="_compute_first_condition",
        inverse="_inverse_first_condition",
        store=True,
        copy=False,
    )
    threshold = fields.Float(
        digits=(16, 2),
        compute="_compute_first_condition",
        inverse="_inverse_first_condition",
        store=True,
        copy=False,
    )
    conditions_summary = fields.Char(string="Conditions", compute="_compute_conditions_summary")
    uses_period = fields.Boolean(compute="_compute_uses_period")
    period_days = fields.Integer(
        default=90,
        tracking=True,
        help="How far back changes count (stage, grade, key contacts).",
    )
    partner_domain = fields.Char(
        string="Scope", default="[]", tracking=True, help="Which customers it watches."
    )
    severity = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("critical", "Critical")],
        required=True,
        default="warning",
        tracking=True,
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Schedule Activity",
        tracking=True,
        help="For the card owner; for the leader of the owner's sales team when critical.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Send Email",
        domain=[("model", "=", "crm.customer.warning")],
        tracking=True,
    )
    post_note = fields.Boolean(string="Note in the Chatter", default=True, tracking=True)
    max_new_warnings = fields.Integer(
        string="Cap on New Warnings",
        default=200,
        tracking=True,
        help="A run that would open more warnings than this opens none and flags the rule.",
    )
    blocked_reason = fields.Text(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False, groups=MANAGER_GROUP)
    failed = fields.Boolean(
        compute="_compute_failed", help="The last run failed; managers read why on the rule."
    )
    last_run = fields.Datetime(readonly=True, copy=False)
    warning_ids = fields.One2many("crm.customer.warning", "rule_id")
    open_warning_count = fields.Integer(compute="_compute_open_warning_count")

    @api.model
    def _selection_metric(self):
        return [(key, self.env._(metric.label)) for key, metric in self._warning_metrics().items()]

    @api.depends(
        "condition_ids.sequence",
        "condition_ids.metric",
        "condition_ids.operator",
        "condition_ids.threshold",
    )
    def _compute_first_condition(self):
        for rule in self:
            first = rule._condition_lines()[:1]
            rule.metric = first.metric
            rule.operator = first.operator
            rule.threshold = first.threshold

    def _inverse_first_condition(self):
        """Written on the rule, they are its first condition's (made when it has none)."""
        for rule in self:
            values = {
                "metric": rule.metric,
                "operator": rule.operator or ">=",
                "threshold": rule.threshold,
            }
            first = rule._condition_lines()[:1]
            if first:
                first.write({key: value for key, value in values.items() if first[key] != value})
            elif rule.metric:
                rule.condition_ids = [Command.create(values)]

    @api.depends("condition_ids.display_name", "match")
    def _compute_conditions_summary(self):
        for rule in self:
            joiner = self.env._(" and ") if rule.match == "all" else self.env._(" or ")
            rule.conditions_summary = joiner.join(rule.condition_ids.mapped("display_name"))

    @api.depends("condition_ids.metric")
    def _compute_uses_period(self):
        for rule in self:
            rule.uses_period = any(rule.condition_ids.mapped("uses_period"))

    def _compute_open_warning_count(self):
        live = self.env["crm.customer.warning"]._live_domain()
        counts = count_by(self, "crm.customer.warning", "rule_id", live)
        for rule in self:
            rule.open_warning_count = counts.get(rule, 0)

    def _compute_failed(self):
        for rule, sudo_rule in zip(self, self.sudo(), strict=True):
            rule.failed = bool(sudo_rule.last_error)

    @api.constrains("period_days", "max_new_warnings")
    def _check_settings(self):
        check_ranges(self, {"period_days": (1, 3650), "max_new_warnings": (1, 100000)})

    @api.constrains("condition_ids")
    def _check_has_conditions(self):
        for rule in self.exists():
            if not rule.condition_ids:
                raise ValidationError(
                    self.env._(
                        "Rule %s has no condition: add at least one, or archive the rule.",
                        rule.display_name,
                    )
                )

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        """Parsed as literals and compiled to SQL, not run: saving costs no search."""
        for rule in self:
            try:
                self.env["res.partner"]._search(rule._scope())
            except UserError as error:
                raise ValidationError(error.args[0]) from None
            except (ValueError, TypeError, KeyError) as error:
                raise ValidationError(rule._scope_message(error)) from None

    @api.model_create_multi
    def create(self, vals_list):
        """Conditions made with a rule are told by its creation message, not one by one."""
        own = self.with_context(**{RULE_CREATE_KEY: _RULE_OWN})
        rules = super(CrmCustomerWarningRule, own).create(vals_list).with_env(self.env)
        rules._check_has_conditions()
        return rules

    def write(self, vals):
        if CAP_RESETS & set(vals):
            vals = {**vals, "blocked_reason": False}
        own = self.with_context(**{RULE_WRITE_KEY: _RULE_OWN})
        return super(CrmCustomerWarningRule, own).write(vals)

    def _conditions_changed(self):
        """A condition changed: the cap a run hit is for the old conditions."""
        self.filtered("blocked_reason").write({"blocked_reason": False})

    def _log_condition_changes(self, lines):
        """Note ``lines`` (what changed in the conditions) in the rule's chatter."""
        if not lines:
            return
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._("Conditions changed:"),
            Markup("").join(Markup("<li>%s</li>") % line for line in lines),
        )
        self._message_log(body=body)

    # Actions ----------------------------------------------------------------------------

    def action_preview(self):
        """What a run would do now, as a list: the customers that match, marked would open,
        already open or would resolve, with what each condition measured. Writes nothing
        but the preview. The form saves a new rule before this runs: rules made on screen
        start inactive, and the preview says so."""
        self.ensure_one()
        self._check_manager()
        preview = self.env["crm.customer.warning.preview"]._make(
            self, fields.Date.context_today(self)
        )
        return preview._action_open()

    def action_backtest(self):
        """Ask how many month-ends to look back over, then try the rule on each of them."""
        self.ensure_one()
        self._check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Back-test of %s", self.name),
            "res_model": "crm.customer.warning.backtest",
            "view_mode": "form",
            "target": "new",
            "context": {"default_rule_id": self.id},
        }

    def _check_manager(self):
        """Previews, back-tests and runs are the managers': they read every customer."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only customer management managers can try or run warning rules.")
            )

    def action_activate(self):
        self.write({"active": True})
        return True

    def action_run(self):
        """Run now: refused while a run of the same company goes on."""
        self._run_now()
        return True

    def _run_now(self, partners=None):
        """Evaluate the rules now, as the nightly run does, on every customer in scope or
        on those of ``partners`` alone; refused while a run of the same company goes on."""
        today = fields.Date.context_today(self)
        with exclusive_runs(self.env, RUN_LOCK, self.company_id.ids) as free:
            if len(free) < len(self.company_id):
                raise self._already_running()
            self._check_fresh()
            for rule in self:
                rule._evaluate(today, partners=partners)
