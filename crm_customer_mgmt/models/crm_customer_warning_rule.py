import logging

import psycopg2
from psycopg2 import IntegrityError
from psycopg2.errors import QueryCanceled

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from ..engine import scope as scope_engine
from ..engine import warnings as warning_engine
from .res_partner import MANAGER_GROUP
from .tools import busy_companies, check_ranges, count_by, exclusive_runs, owned_writer

_logger = logging.getLogger(__name__)

RUN_LOCK = "crm_customer_mgmt.warning_rules"  # one rule run at a time per company
SCOPE_TIMEOUT_MS = 10_000  # longest a rule's scope may take to search
PREVIEW_NAMES = 20


class CrmCustomerWarningRule(models.Model):
    _name = "crm.customer.warning.rule"
    _description = "Customer Warning Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    metric = fields.Selection(selection="_selection_metric", required=True)
    operator = fields.Selection(
        [(">", ">"), (">=", "≥"), ("<", "<"), ("<=", "≤"), ("=", "="), ("!=", "≠")],
        required=True,
        default=">=",
    )
    threshold = fields.Float(digits=(16, 2))
    period_days = fields.Integer(
        default=90, help="How far back changes count (stage, grade, key contacts)."
    )
    partner_domain = fields.Char(string="Scope", default="[]", help="Which customers it watches.")
    severity = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("critical", "Critical")],
        required=True,
        default="warning",
    )
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        string="Schedule Activity",
        help="For the card owner; for the leader of the owner's sales team when critical.",
    )
    mail_template_id = fields.Many2one(
        "mail.template", string="Send Email", domain=[("model", "=", "crm.customer.warning")]
    )
    post_note = fields.Boolean(string="Note in the Chatter", default=True)
    max_new_warnings = fields.Integer(
        string="Cap on New Warnings",
        default=200,
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

    def _compute_open_warning_count(self):
        live = self.env["crm.customer.warning"]._live_domain()
        counts = count_by(self, "crm.customer.warning", "rule_id", live)
        for rule in self:
            rule.open_warning_count = counts.get(rule, 0)

    def _compute_failed(self):
        for rule, sudo_rule in zip(self, self.sudo(), strict=True):
            rule.failed = bool(sudo_rule.last_error)

    @api.constrains("metric", "threshold", "period_days", "max_new_warnings")
    def _check_settings(self):
        check_ranges(self, {"period_days": (1, 3650), "max_new_warnings": (1, 100000)})
        metrics = self._warning_metrics()
        for rule in self:
            if rule.metric not in metrics:
                raise ValidationError(self.env._("Unknown warning metric: %s.", rule.metric))
            check_ranges(rule, {"threshold": metrics[rule.metric].bounds})

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

    def write(self, vals):
        if {"threshold", "partner_domain", "max_new_warnings", "metric", "operator"} & set(vals):
            vals = {**vals, "blocked_reason": False}
        return super().write(vals)

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
        """Customer id -> Reading, for the customers in scope where the condition holds."""
        Partner = self.env["res.partner"].with_company(self.company_id)
        # facts are read as the nightly run reads them: a supervisor's preview needs no
        # accounting rights
        Facts = self.sudo().with_company(self.company_id)
        if cache is None:
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
        read = self._warning_metrics()[self.metric].read
        operator, threshold = self.operator, self.threshold
        hits = {}
        for partner_id, customer_facts in facts.items():
            reading = read(customer_facts)
            if warning_engine.reading_holds(operator, reading, threshold):
                hits[partner_id] = reading
        return hits

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
        fallback = self.env["res.partner"]._unowned_responsible()
        for partner_id, warning in live_by_partner.items():
            if partner_id in hits:
                reader = warning.user_id or fallback
                warning._update_reading(
                    self._words(hits[partner_id], reader.lang), hits[partner_id].value, today
                )
            else:
                owned_writer(warning).write({"state": "resolved", "resolved_date": today})
        self._open({partner_id: hits[partner_id] for partner_id in new}, today)._fire_actions()
        self.write(
            {"last_run": fields.Datetime.now(), "last_error": False, "blocked_reason": False}
        )

    def _words(self, reading, lang=None):
        """What a warning says, in ``lang``: the language of whoever reads it, not the
        cron's."""
        rule = self.with_context(lang=lang) if lang else self
        return rule.env._(
            "%(rule)s: %(words)s (threshold %(operator)s %(threshold)s)",
            rule=rule.name,
            words=reading.words(rule.env._),
            operator=self.operator,
            threshold=f"{self.threshold:,.2f}".rstrip("0").rstrip("."),
        )

    def _open(self, readings, today):
        """Open the warnings of ``readings`` (partner id -> Reading) at once. When a
        concurrent run opened one of them first, the others are opened one by one and that
        one is left to it. Returns the warnings opened."""
        partners = self.env["res.partner"].browse(list(readings))
        fallback = partners._unowned_responsible()
        values = []
        for partner in partners:
            owner = partner.card_owner_id or partner.user_id
            values.append(
                {
                    "rule_id": self.id,
                    "partner_id": partner.id,
                    "severity": self.severity,
                    "value": readings[partner.id].value,
                    "threshold": self.threshold,
                    "message": self._words(readings[partner.id], (owner or fallback).lang),
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
