import logging

import psycopg2
from markupsafe import Markup
from psycopg2 import IntegrityError
from psycopg2.errors import QueryCanceled

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from ..engine import scope as scope_engine
from ..engine import warnings as warning_engine
from .crm_customer_warning_rule_condition import (
    _RULE_OWN,
    OPERATORS,
    RULE_CREATE_KEY,
    RULE_WRITE_KEY,
    format_number,
)
from .res_partner import MANAGER_GROUP
from .tools import busy_companies, check_ranges, count_by, exclusive_runs, owned_writer

_logger = logging.getLogger(__name__)

RUN_LOCK = "crm_customer_mgmt.warning_rules"  # one rule run at a time per company
SCOPE_TIMEOUT_MS = 10_000  # longest a rule's scope may take to search
PREVIEW_NAMES = 20
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
        """Which customers would have a warning now; writes nothing. The form saves a new
        rule before this runs: rules made on screen start inactive, and the preview says so."""
        self.ensure_one()
        hits = self._hits(fields.Date.context_today(self))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Preview of %s", self.name),
                "message": " ".join(
                    filter(None, [self._preview_words(hits), self._state_words()])
                ),
                "type": "info" if self.active else "warning",
                "sticky": True,
            },
        }

    def action_activate(self):
        self.write({"active": True})
        return True

    def _preview_words(self, hits):
        if not hits:
            return self.env._("No customer matches this rule now: it would open no warning.")
        names = self.env["res.partner"].browse(list(hits)[:PREVIEW_NAMES]).mapped("name")
        more = len(hits) - len(names)
        return self.env._(
            "Customers matching now (%(count)s): %(names)s%(more)s.",
            count=len(hits),
            names=", ".join(names),
            more=self.env._(" and %s more", more) if more > 0 else "",
        )

    def _state_words(self):
        if self.active:
            return ""
        return self.env._("This rule is inactive: it opens no warning until you activate it.")

    def action_run(self):
        """Run now: refused while a run of the same company goes on."""
        today = fields.Date.context_today(self)
        with exclusive_runs(self.env, RUN_LOCK, self.company_id.ids) as free:
            if len(free) < len(self.company_id):
                raise self._already_running()
            self._check_fresh()
            for rule in self:
                rule._evaluate(today)
        return True

    # Evaluation -------------------------------------------------------------------------

    @api.model
    def _warning_metrics(self):
        """Key -> ``warning_engine.Metric``: what a rule can watch. An addon adds a metric by
        returning it here too, reading its facts (every measure among them) by name."""
        return warning_engine.METRICS

    @api.model
    def _cron_evaluate(self):
        """Evaluate every active rule; a failing rule is reported and the others run. The
        rules of a company where another run goes on are left to that run."""
        rules = self.search([("active", "=", True)])
        companies = rules.company_id
        with exclusive_runs(self.env, RUN_LOCK, companies.ids, across_commits=True) as free:
            if busy := companies.filtered(lambda company: company.id not in free):
                _logger.info(
                    "Warning rules of %s already running: left to that run.",
                    ", ".join(busy.mapped("name")),
                )
            if runnable := rules.filtered(lambda rule: rule.company_id.id in free):
                runnable._evaluate_all()

    def _evaluate_all(self):
        cron = self.env["ir.cron"]
        # committed after taking the locks: a fresh snapshot sees what the last run did
        cron._commit_progress(remaining=len(self))
        today = fields.Date.context_today(self)
        cache = {}  # facts shared by the rules of one company and period
        for rule in self:
            rule._evaluate_safely(today, cache)
            if not cron._commit_progress(1):
                break

    @api.model
    def _check_not_running(self):
        """Refuse to start the rules' cron by hand while a run goes on."""
        companies = self.search([("active", "=", True)]).company_id
        if busy_companies(self.env, RUN_LOCK, companies.ids):
            raise self._already_running()

    def _already_running(self):
        return UserError(
            self.env._("Warning rules are already running: try again when they are done.")
        )

    def _check_fresh(self):
        """Lock the rules: a run that committed them after this transaction began makes
        this fail with a serialization error before any work, and the request is retried
        on fresh data (no log noise: the failure is expected)."""
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM crm_customer_warning_rule WHERE id = ANY(%s) FOR NO KEY UPDATE",
                self.ids,
            ),
            log_exceptions=False,
        )

    def _evaluate_safely(self, today, cache=None):
        try:
            with self.env.cr.savepoint():
                self._evaluate(today, cache)
        except Exception as error:
            message = self._error_message(error)
            if isinstance(error, UserError):
                _logger.warning("Warning rule %s failed: %s", self.name, message)
            else:
                _logger.exception("Warning rule %s failed.", self.name)
            self.write({"last_error": message, "last_run": fields.Datetime.now()})
            self._tell_managers(
                self.env._(
                    "Warning rule %(rule)s failed: %(error)s", rule=self.name, error=message
                )
            )

    def _error_message(self, error):
        """What a manager reads about a failure: its message, without traceback or SQL."""
        if isinstance(error, UserError):
            return error.args[0]
        if isinstance(error, psycopg2.Error):
            text = error.diag.message_primary or error.pgerror or type(error).__name__
        else:
            text = str(error) or type(error).__name__
        return text.strip().splitlines()[0][:500]

    def _scope(self):
        """The rule's customers as a domain: the scope read as literals (never evaluated)
        within the customers the pass measures."""
        try:
            domain = Domain(scope_engine.parse(self.partner_domain))
        except (ValueError, TypeError) as error:
            raise UserError(self._scope_message(error)) from None
        return Domain.AND([self.env["crm.customer.metrics"]._customer_domain(), domain])

    def _scope_message(self, error):
        code = error.detail if isinstance(error, scope_engine.ScopeError) else str(error)
        problems = {
            "operator": self.env._("operators are not allowed, only plain values: %s"),
            "call": self.env._(
                "function calls are not allowed, relative dates included (write a fixed date): %s"
            ),
            "name": self.env._("names are not allowed, write the value itself: %s"),
            "forbidden": self.env._(
                "only lists, tuples, text, numbers, True, False and None are allowed, not %s"
            ),
            "syntax": self.env._("it is not a list of conditions (%s)"),
            "shape": self.env._(
                "each condition must be (field, operator, value) or one of '&', '|', '!', not %s"
            ),
            "too_long": self.env._("it is longer than %s characters"),
            "too_large": self.env._("the number %s is too large"),
        }
        problem = getattr(error, "problem", None)
        return self.env._(
            "The scope of rule %(rule)s is not a valid filter on customers: %(error)s",
            rule=self.name,
            error=problems[problem] % code if problem in problems else code,
        )

    def _scope_ids(self, Partner):
        """Ids of the customers in scope. The search may take SCOPE_TIMEOUT_MS at most: the
        timeout is set for this query alone, then restored."""
        query = self._scope_query(Partner)
        self.env.flush_query(query)
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute("SHOW statement_timeout")
                previous = cr.fetchone()[0]
                cr.execute(
                    SQL("SELECT set_config('statement_timeout', %s, true)", f"{SCOPE_TIMEOUT_MS}")
                )
                cr.execute(query, log_exceptions=False)
                ids = [row[0] for row in cr.fetchall()]
                cr.execute(SQL("SELECT set_config('statement_timeout', %s, true)", previous))
        except QueryCanceled:  # the savepoint's rollback restored the timeout
            raise UserError(
                self.env._(
                    "The scope of rule %(rule)s took longer than %(seconds)s seconds to search:"
                    " narrow it.",
                    rule=self.name,
                    seconds=SCOPE_TIMEOUT_MS / 1000,
                )
            ) from None
        return ids

    def _scope_query(self, Partner):
        return Partner._search(self._scope()).select()

    def _hits(self, today, cache=None):
        """Customer id -> Verdict, for the customers in scope where the rule holds."""
        verdicts = self._verdicts(self._facts(today, cache))
        return {partner_id: verdict for partner_id, verdict in verdicts.items() if verdict.holds}

    def _verdicts(self, facts):
        """Customer id -> Verdict of this rule's conditions on ``facts`` (customer id -> the
        facts the metrics read, as of any date): what a run, a preview or a back-test
        decide. A rule being edited (a new record) is decided as it stands on screen."""
        self.ensure_one()
        return warning_engine.verdicts(
            self._conditions(), self.match, facts, self._warning_metrics()
        )

    def _condition_lines(self):
        """The conditions in their order, also while their sequence is being changed."""
        return self.condition_ids.sorted(lambda line: line.sequence)

    def _conditions(self):
        return [
            warning_engine.Condition(line.metric, line.operator, line.threshold, line.kind)
            for line in self._condition_lines()
        ]

    def _facts(self, today, cache=None, partners=None):
        """Customer id -> facts as of ``today``, for the customers in scope (or for
        ``partners``, whatever the scope)."""
        Partner = self.env["res.partner"].with_company(self.company_id)
        # facts are read as the nightly run reads them: a supervisor's preview needs no
        # accounting rights
        Facts = self.sudo().with_company(self.company_id)
        if partners is not None:
            facts = Facts._warning_facts(
                Partner.browse(partners.ids).sudo(), self.period_days, today
            )
        elif cache is None:
            partners = Partner.browse(self._scope_ids(Partner))
            facts = Facts._warning_facts(partners.sudo(), self.period_days, today)
        else:  # rules of a run share their customers' facts and, when alike, their scope
            key = ("facts", self.company_id.id, self.period_days)
            if key not in cache:
                customers = Partner.search(self.env["crm.customer.metrics"]._customer_domain())
                cache[key] = Facts._warning_facts(customers, self.period_days, today)
            scope = ("scope", self.company_id.id, self.partner_domain or "[]")
            if scope not in cache:
                cache[scope] = self._scope_ids(Partner)
            facts = {pid: cache[key][pid] for pid in cache[scope] if pid in cache[key]}
        return facts

    def _evaluate(self, today, cache=None):
        self.ensure_one()
        hits = self._hits(today, cache)
        Warning = self.env["crm.customer.warning"]
        live = Warning.search(Domain("rule_id", "=", self.id) & Warning._live_domain(snoozed=True))
        live_by_partner = {warning.partner_id.id: warning for warning in live}
        new = [pid for pid in hits if pid not in live_by_partner]
        if len(new) > self.max_new_warnings:
            self._block(len(new))
            return
        self._refresh(live_by_partner, hits, today)
        self._open({partner_id: hits[partner_id] for partner_id in new}, today)._fire_actions()
        self.write(
            {"last_run": fields.Datetime.now(), "last_error": False, "blocked_reason": False}
        )

    def _refresh(self, live_by_partner, hits, today):
        """The live warnings (customer id -> warning) measured again: reworded where the
        rule still holds (``hits``, customer id -> Verdict), resolved elsewhere."""
        fallback = self.env["res.partner"]._unowned_responsible()
        for partner_id, warning in live_by_partner.items():
            if partner_id in hits:
                reader = warning.user_id or fallback
                verdict = hits[partner_id]
                warning._update_reading(
                    self._words(verdict, reader.lang), self._shown(verdict)[0], today
                )
            else:
                owned_writer(warning).write({"state": "resolved", "resolved_date": today})

    def _recheck(self, warnings, today):
        """Measure again, now, the customers of these live warnings of this rule."""
        facts = self._facts(today, partners=warnings.partner_id)
        verdicts = self._verdicts(facts)
        hits = {pid: verdict for pid, verdict in verdicts.items() if verdict.holds}
        self._refresh({warning.partner_id.id: warning for warning in warnings}, hits, today)

    def _shown(self, verdict):
        """The value and threshold a warning shows: those of the first condition met."""
        index = verdict.first_met() or 0
        return verdict.readings[index].value, self._condition_lines()[index].threshold

    def _words(self, verdict, lang=None):
        """What a warning says, in ``lang``: the language of whoever reads it, not the
        cron's. The conditions met, with what they measured."""
        rule = self.with_context(lang=lang) if lang else self
        translate = rule.env._
        lines = self._condition_lines()
        met = [
            (condition, reading)
            for condition, reading, is_met in zip(
                lines, verdict.readings, verdict.met, strict=True
            )
            if is_met
        ]
        if len(lines) == 1 and met:  # as rules of one condition always said it
            condition, reading = met[0]
            return translate(
                "%(rule)s: %(words)s (threshold %(operator)s %(threshold)s)",
                rule=rule.name,
                words=reading.words(translate),
                operator=condition.operator,
                threshold=format_number(condition.threshold),
            )
        conditions = "; ".join(
            condition.with_env(rule.env)._words(reading) for condition, reading in met
        )
        return translate("%(rule)s: %(conditions)s", rule=rule.name, conditions=conditions)

    def _snapshot(self, verdict, lang=None):
        """The conditions and what they measured, as a warning keeps them when it opens."""
        conditions = self._condition_lines()
        if lang:
            conditions = conditions.with_context(lang=lang)
        return {
            "match": self.match,
            "conditions": conditions._snapshot(verdict.readings, verdict.met),
        }

    def _open(self, verdicts, today):
        """Open the warnings of ``verdicts`` (partner id -> Verdict) at once. When a
        concurrent run opened one of them first, the others are opened one by one and that
        one is left to it. Returns the warnings opened."""
        partners = self.env["res.partner"].browse(list(verdicts))
        fallback = partners._unowned_responsible()
        values = []
        for partner in partners:
            owner = partner.card_owner_id or partner.user_id
            lang = (owner or fallback).lang
            verdict = verdicts[partner.id]
            value, threshold = self._shown(verdict)
            values.append(
                {
                    "rule_id": self.id,
                    "partner_id": partner.id,
                    "severity": self.severity,
                    "value": value,
                    "threshold": threshold,
                    "message": self._words(verdict, lang),
                    "condition_snapshot": self._snapshot(verdict, lang),
                    "first_detected": today,
                    "last_detected": today,
                    "user_id": owner.id,
                }
            )
        Warning = self.env["crm.customer.warning"]
        try:
            with self.env.cr.savepoint():
                return Warning.create(values)  # the savepoint flushes: a twin fails here
        except IntegrityError:
            _logger.info("Warnings of rule %s opened by another run, one by one.", self.id)
        opened = Warning
        for vals in values:
            try:
                with self.env.cr.savepoint():
                    opened |= Warning.create(vals)
            except IntegrityError:
                _logger.info(
                    "Warning of rule %s for %s opened by another run.", self.id, vals["partner_id"]
                )
        return opened

    def _block(self, count):
        reason = self.env._(
            "This run would open %(count)s warnings, more than the cap of %(cap)s: none were"
            " opened. Raise the cap or narrow the scope.",
            count=count,
            cap=self.max_new_warnings,
        )
        self.write({"blocked_reason": reason, "last_run": fields.Datetime.now()})
        self._tell_managers(
            self.env._("Warning rule %(rule)s: %(reason)s", rule=self.name, reason=reason)
        )

    def _tell_managers(self, body):
        managers = self.env.ref(MANAGER_GROUP).all_user_ids.filtered(lambda user: not user.share)
        self.message_post(
            body=body,
            partner_ids=managers.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )
