import time

from odoo import api, fields, models

from ..engine import rule_trial
from ..models.tools import check_ranges


def _seconds_since(started):
    return time.monotonic() - started


class CrmCustomerWarningBacktest(models.TransientModel):
    """A rule tried at each month-end of the last months, as of those days from the ledger,
    on the customers in scope now: how many warnings it would have opened and resolved,
    and how many would have been live, beside the customers it matches today. Nothing but
    the back-test is written; a draft (inactive) rule is tried as well."""

    _name = "crm.customer.warning.backtest"
    _description = "Customer Warning Rule Back-test"

    rule_id = fields.Many2one("crm.customer.warning.rule", required=True, ondelete="cascade")
    months = fields.Integer(
        string="Month-ends", default=12, required=True, help="How many month-ends to look back."
    )
    time_limit = fields.Integer(
        string="Time Limit (seconds)",
        default=60,
        required=True,
        help="The back-test stops before it would take longer, and says how far it got.",
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    months_done = fields.Integer(string="Month-ends Done", readonly=True)
    stopped = fields.Boolean(string="Stopped by the Time Limit", readonly=True)
    current_matches = fields.Integer(string="Matching Today", readonly=True)
    summary = fields.Char(readonly=True)
    line_ids = fields.One2many("crm.customer.warning.backtest.line", "backtest_id")

    @api.constrains("months", "time_limit")
    def _check_settings(self):
        low, high = rule_trial.BACKTEST_MONTHS
        check_ranges(self, {"months": (low, high), "time_limit": (5, 600)})

    def action_run(self):
        """Measure the month-ends, the newest first, one as-of measuring each for all the
        customers in scope; stop before the time limit would be passed."""
        self.ensure_one()
        rule = self.rule_id
        rule._check_manager()
        today = fields.Date.context_today(self)
        matches, seconds = self._matches(rule, today)
        current = set(rule._hits(today))
        steps = rule_trial.steps([*matches, (today, current)])
        self.write(
            {
                "state": "done",
                "months_done": max(len(matches) - 1, 0),
                "stopped": len(matches) < self.months + 1,
                "current_matches": len(current),
                "line_ids": [fields.Command.clear()]
                + [
                    fields.Command.create(values)
                    for step in steps
                    for values in self._line_values(step, today)
                ],
            }
        )
        self.summary = self._summary(seconds)
        return self._action_graph()

    def _matches(self, rule, today):
        """[(month-end, ids of the customers matching then)], the oldest first, and the
        seconds taken. The oldest month-end measured is the baseline of the next."""
        Partner = self.env["res.partner"].with_company(rule.company_id)
        partners = Partner.browse(rule._scope_ids(Partner)).sudo()
        days = rule_trial.month_ends(today, self.months + 1)[::-1]
        Facts = rule.sudo().with_company(rule.company_id)
        started, matches = time.monotonic(), []
        for day, facts in Facts._warning_facts_as_of_days(partners, rule.period_days, days):
            verdicts = rule._verdicts(facts)
            matches.append((day, {pid for pid, verdict in verdicts.items() if verdict.holds}))
            seconds = _seconds_since(started)
            if seconds * (len(matches) + 1) / len(matches) > self.time_limit:
                break  # the next month-end would end past the limit
        return matches[::-1], _seconds_since(started)

    def _line_values(self, step, today):
        period = (
            self.env._("%s (today)", step.day.isoformat())
            if step.day == today
            else step.day.isoformat()
        )
        return [
            {"date": step.day, "period": period, "figure": figure, "count": count}
            for figure, count in (
                ("opened", step.opened),
                ("resolved", step.resolved),
                ("live", step.live),
            )
        ]

    def _summary(self, seconds):
        words = self.env._(
            "%(done)s of %(months)s month-ends back-tested in %(seconds)s s; %(today)s"
            " customers match today.",
            done=self.months_done,
            months=self.months,
            seconds=f"{seconds:.1f}",
            today=self.current_matches,
        )
        if self.stopped:
            words += " " + self.env._(
                "Stopped before the time limit of %s seconds: narrow the scope or look back"
                " over fewer months.",
                self.time_limit,
            )
        return words

    def _action_graph(self):
        """The graph of the figures, named with how far the back-test got and the customers
        matching today."""
        name = self.env._(
            "Back-test of %(rule)s: %(done)s of %(months)s month-ends, %(today)s matching today",
            rule=self.rule_id.name,
            done=self.months_done,
            months=self.months,
            today=self.current_matches,
        )
        if self.stopped:
            name += " " + self.env._("(stopped at the time limit)")
        ref = self.env.ref
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "crm.customer.warning.backtest.line",
            "view_mode": "graph,list",
            "views": [
                (
                    ref("crm_customer_mgmt.crm_customer_warning_backtest_line_view_graph").id,
                    "graph",
                ),
                (ref("crm_customer_mgmt.crm_customer_warning_backtest_line_view_list").id, "list"),
            ],
            "domain": [("backtest_id", "=", self.id)],
            "target": "current",
        }
