from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine import rule_trial
from ..models.crm_customer_warning_rule_condition import format_number

MARK_ORDER = {rule_trial.WOULD_OPEN: 0, rule_trial.ALREADY_OPEN: 1, rule_trial.WOULD_RESOLVE: 2}


class CrmCustomerWarningPreview(models.TransientModel):
    """What a rule would do if it ran now, customer by customer; nothing else is written.
    From here a manager runs the rule for the customers listed, and for them only."""

    _name = "crm.customer.warning.preview"
    _description = "Customer Warning Rule Preview"

    rule_id = fields.Many2one("crm.customer.warning.rule", required=True, ondelete="cascade")
    rule_active = fields.Boolean(related="rule_id.active")
    blocked_reason = fields.Text(related="rule_id.blocked_reason")
    date = fields.Date(string="Measured On", required=True)
    line_ids = fields.One2many("crm.customer.warning.preview.line", "preview_id")
    open_count = fields.Integer(string="Would Open")
    already_open_count = fields.Integer(string="Already Open")
    resolve_count = fields.Integer(string="Would Resolve")
    max_new_warnings = fields.Integer(string="Cap on New Warnings")
    hits_cap = fields.Boolean(
        string="Would Hit the Cap",
        help="This run would open more warnings than the cap: it would open none and flag"
        " the rule.",
    )

    @api.depends("rule_id")
    def _compute_display_name(self):
        for preview in self:
            preview.display_name = self.env._("Preview of %s", preview.rule_id.name)

    @api.model
    def _make(self, rule, today):
        """The preview of ``rule`` as of ``today``: the same facts and verdicts as a run."""
        Warning = self.env["crm.customer.warning"]
        facts = rule._facts(today)
        verdicts = rule._verdicts(facts)
        hits = {pid for pid, verdict in verdicts.items() if verdict.holds}
        warnings = Warning.search(rule._live_warnings_domain())
        live = {warning.partner_id.id: warning for warning in warnings}
        marks = rule_trial.marks(hits, live)
        if outside := [pid for pid in live if pid not in verdicts]:  # left the scope
            gone = self.env["res.partner"].browse(outside)
            verdicts.update(rule._verdicts(rule._facts(today, partners=gone)))
        counts = {mark: 0 for mark in MARK_ORDER}
        for mark in marks.values():
            counts[mark] += 1
        return self.create(
            {
                "rule_id": rule.id,
                "date": today,
                "open_count": counts[rule_trial.WOULD_OPEN],
                "already_open_count": counts[rule_trial.ALREADY_OPEN],
                "resolve_count": counts[rule_trial.WOULD_RESOLVE],
                "max_new_warnings": rule.max_new_warnings,
                "hits_cap": rule_trial.hits_cap(marks, rule.max_new_warnings),
                "line_ids": [
                    fields.Command.create(
                        self._line_values(rule, pid, mark, verdicts.get(pid), live.get(pid))
                    )
                    for pid, mark in marks.items()
                ],
            }
        )

    @api.model
    def _line_values(self, rule, partner_id, mark, verdict, warning):
        return {
            "partner_id": partner_id,
            "mark": mark,
            "sequence": MARK_ORDER[mark],
            "severity": warning.severity if warning else rule.severity,
            "warning_id": warning.id if warning else False,
            "values": self._values_text(rule, verdict),
        }

    @api.model
    def _values_text(self, rule, verdict):
        """Each condition and what it measured on the customer, the met ones ticked."""
        if verdict is None:
            return ""
        unmeasured = self.env._("not measured")
        return "; ".join(
            f"{'✔' if is_met else '✘'} {condition.display_name}: "
            f"{unmeasured if reading.value is None else format_number(reading.value)}"
            for condition, reading, is_met in zip(
                rule._condition_lines(), verdict.readings, verdict.met, strict=True
            )
        )

    def _action_open(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview of %s", self.rule_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_run_listed(self):
        """Run the rule now for the customers listed, and for them only: as the nightly run
        does (same lock, same cap), then show what it would do next."""
        self.ensure_one()
        rule = self.rule_id
        rule._check_manager()
        if not rule.active:
            raise UserError(
                self.env._(
                    "Rule %s is inactive: activate it before running it, so that the"
                    " nightly run keeps its warnings up to date.",
                    rule.name,
                )
            )
        rule._run_now(partners=self.line_ids.partner_id)
        return self._make(rule, fields.Date.context_today(self))._action_open()
