from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain

from .crm_customer_warning_rule_condition import render_snapshot
from .res_partner import MANAGER_GROUP
from .tools import create_quiet_activities, owned_writer, refuse_owned_fields

SNOOZE_MAX_DAYS = 90
# A warning in these states is the customer's one warning of its rule (see _live_domain).
LIVE_STATES = ("open", "acknowledged")
# What the rules and the warning's own actions write; nobody edits them directly.
RULE_OWNED_FIELDS = frozenset(
    {
        "rule_id",
        "partner_id",
        "state",
        "severity",
        "value",
        "threshold",
        "message",
        "condition_snapshot",
        "first_detected",
        "last_detected",
        "resolved_date",
        "snoozed_until",
        "acknowledge_note",
    }
)


class CrmCustomerWarning(models.Model):
    _name = "crm.customer.warning"
    _description = "Customer Warning"
    _inherit = ["crm.customer.card.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "state_rank, severity_rank desc, last_detected desc, id desc"
    _rec_name = "rule_id"

    rule_id = fields.Many2one(
        "crm.customer.warning.rule", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    user_id = fields.Many2one(
        "res.users", string="Responsible", index=True, help="The card owner when it opened."
    )
    stage_id = fields.Many2one(related="partner_id.customer_stage_id", string="Stage")
    state = fields.Selection(
        [("open", "Open"), ("acknowledged", "Acknowledged"), ("resolved", "Resolved")],
        default="open",
        required=True,
        tracking=True,
    )
    state_rank = fields.Integer(compute="_compute_ranks", store=True)
    severity = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("critical", "Critical")],
        required=True,
        default="warning",
    )
    severity_rank = fields.Integer(compute="_compute_ranks", store=True)
    value = fields.Float(digits=(16, 2), help="The measured value when last detected.")
    threshold = fields.Float(digits=(16, 2))
    message = fields.Text(help="What was measured against what.")
    condition_snapshot = fields.Json(
        readonly=True, copy=False, help="The rule's conditions and what they measured at opening."
    )
    condition_snapshot_html = fields.Html(
        string="When It Opened", compute="_compute_condition_snapshot_html", sanitize=False
    )
    first_detected = fields.Date(required=True, default=fields.Date.context_today)
    last_detected = fields.Date(required=True, default=fields.Date.context_today)
    resolved_date = fields.Date(readonly=True)
    snoozed_until = fields.Date(tracking=True)
    acknowledge_note = fields.Text(tracking=True)

    _one_live_per_rule = models.UniqueIndex(
        f"(rule_id, partner_id) WHERE state IN {LIVE_STATES}",
        "A customer has one open warning per rule.",
    )

    @api.depends("state", "severity")
    def _compute_ranks(self):
        states = {"open": 0, "acknowledged": 1, "resolved": 2}
        severities = {"info": 0, "warning": 1, "critical": 2}
        for warning in self:
            warning.state_rank = states[warning.state]
            warning.severity_rank = severities[warning.severity]

    @api.depends("condition_snapshot")
    def _compute_condition_snapshot_html(self):
        for warning in self:
            warning.condition_snapshot_html = render_snapshot(
                self.env, warning.condition_snapshot or {}
            )

    def write(self, vals):
        refuse_owned_fields(self, vals, RULE_OWNED_FIELDS)
        if "user_id" in vals and not self.env["res.users"]._acts_as_customer_supervisor():
            raise AccessError(self.env._("Only customer supervisors can reassign warnings."))
        return super().write(vals)

    def _update_reading(self, message, value, today):
        """The condition still holds: refresh what was measured, without notifying again."""
        values = {"last_detected": today, "value": value, "message": message}
        if any(self[name] != new for name, new in values.items()):
            owned_writer(self).write(values)

    def _fire_actions(self):
        """What the rules do when these warnings open, once per opening and in bulk; a
        rule's mail template is its mail, its activity sends none. Notes and activities go
        on the warnings, which only the app's users read, not on the customers."""
        for rule, warnings in self.grouped("rule_id").items():
            if rule.post_note:
                warnings._message_log_batch({warning.id: warning.message for warning in warnings})
            if rule.activity_type_id:
                warnings._schedule_activities()
            if rule.mail_template_id:
                rule.mail_template_id.send_mail_batch(warnings.ids)

    def _schedule_activities(self):
        """The rule's activity for each warning, for the responsible rep; critical warnings
        go to the leader of the rep's sales team, unowned customers to the user of
        Settings."""
        rule = self.rule_id.ensure_one()
        kind = rule.activity_type_id
        fallback = self.env["res.partner"]._unowned_responsible()
        deadline = fields.Date.context_today(self)
        values = []
        for warning in self:
            leader = warning.user_id.sale_team_id.user_id if rule.severity == "critical" else None
            user = leader or warning.user_id or fallback
            values.append(
                {
                    "res_id": warning.id,
                    "activity_type_id": kind.id,
                    "summary": rule.with_context(lang=user.lang).name,  # the assignee's words
                    "note": warning.message,
                    "user_id": user.id,
                    "date_deadline": deadline,
                }
            )
        create_quiet_activities(self, values)

    def action_acknowledge(self, note=None):
        self.check_access("write")
        owned_writer(self.filtered(lambda warning: warning.state == "open")).write(
            {"state": "acknowledged", "acknowledge_note": note or False}
        )
        return True

    def action_snooze(self, until):
        self.check_access("write")
        today = fields.Date.context_today(self)
        until = fields.Date.to_date(until)
        if not until or until <= today:
            raise ValidationError(self.env._("Snooze a warning until a date in the future."))
        if (until - today).days > SNOOZE_MAX_DAYS:
            raise ValidationError(
                self.env._(
                    "Snooze a warning for %(max)s days at most, not until %(date)s: a warning"
                    " that needs no attention for longer should be resolved.",
                    max=SNOOZE_MAX_DAYS,
                    date=until,
                )
            )
        live = self.filtered(lambda warning: warning.state in LIVE_STATES)
        owned_writer(live).write({"snoozed_until": until})
        return True

    def action_resolve(self):
        self.check_access("write")
        owned_writer(self.filtered(lambda warning: warning.state in LIVE_STATES)).write(
            {"state": "resolved", "resolved_date": fields.Date.context_today(self)}
        )
        return True

    def action_open_partner(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "view_mode": "form",
        }

    @api.model
    def _live_domain(self, snoozed=False):
        """Live warnings: open or acknowledged and, unless ``snoozed``, not snoozed past
        today. A snoozed warning stays its rule's one warning on the customer (the rules
        pass ``snoozed=True``) but alarms nobody until its date: the card's count and banner,
        the list behind them (the search view's "Needs Attention" filter says the same) and
        the digest leave it out."""
        domain = Domain("state", "in", LIVE_STATES)
        if snoozed:
            return domain
        today = fields.Date.context_today(self)
        return domain & (
            Domain("snoozed_until", "=", False) | Domain("snoozed_until", "<=", today)
        )

    # Weekly digest ----------------------------------------------------------------------

    @api.model
    def _cron_send_digest(self):
        """Mail each customer manager a per-rep summary of the week, of the companies he
        works in."""
        today = fields.Date.context_today(self)
        managers = self.env.ref(MANAGER_GROUP).all_user_ids.filtered(
            lambda user: not user.share and user.email and user.id != 1
        )
        for manager in managers:
            rows = (
                self.with_user(manager)
                .with_context(allowed_company_ids=manager.company_ids.ids)
                ._digest_rows(today - timedelta(days=7))
            )
            body = self.env["ir.qweb"]._render(
                "crm_customer_mgmt.warning_digest",
                {"rows": rows, "since": today - timedelta(days=7), "today": today},
                lang=manager.lang,
            )
            self.env["mail.mail"].sudo().create(
                {
                    "subject": self.with_context(lang=manager.lang).env._(
                        "Customers: the week to %s", today
                    ),
                    "email_to": manager.email_formatted,
                    "body_html": body,
                    "auto_delete": True,
                }
            )
        return len(managers)

    def _digest_rows(self, since):
        """Per responsible rep: warnings by state and severity, cards, stage moves."""
        reps = {}

        def row(user):
            return reps.setdefault(
                user,
                dict.fromkeys(
                    (
                        "info",
                        "warning",
                        "critical",
                        "new",
                        "resolved",
                        "stale",
                        "incomplete",
                        "moves",
                    ),
                    0,
                ),
            )

        live = self._live_domain()
        for user, severity, count in self._read_group(live, ["user_id", "severity"], ["__count"]):
            row(user)[severity] += count
        for user, count in self._read_group(
            [("first_detected", ">=", since)], ["user_id"], ["__count"]
        ):
            row(user)["new"] += count
        for user, count in self._read_group(
            [("resolved_date", ">=", since)], ["user_id"], ["__count"]
        ):
            row(user)["resolved"] += count
        Partner = self.env["res.partner"]
        for key, domain in (
            ("stale", [("card_is_stale", "=", True)]),
            ("incomplete", [("is_company", "=", True), ("card_completeness", "<", 100)]),
        ):
            for user, count in Partner._read_group(domain, ["card_owner_id"], ["__count"]):
                row(user)[key] += count
        History = self.env["crm.customer.stage.history"]
        for user, count in History._read_group([("date", ">=", since)], ["user_id"], ["__count"]):
            row(user)["moves"] += count
        return sorted(reps.items(), key=lambda item: item[0].name or "")
