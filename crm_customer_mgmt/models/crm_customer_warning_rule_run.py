# crm.customer.warning.rule is split by concern: the rules, their run, scope and facts
# pylint: disable=consider-merging-classes-inherited
import logging

import psycopg2
from psycopg2 import IntegrityError

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..engine import warnings as warning_engine
from .crm_customer_warning_rule import RUN_LOCK
from .crm_customer_warning_rule_condition import (
    format_number,
)
from .res_partner import MANAGER_GROUP
from .tools import busy_companies, exclusive_runs, owned_writer

_logger = logging.getLogger(__name__)


class CrmCustomerWarningRule(models.Model):
    """The run of the warning rules: the cron, the facts and verdicts, and the warnings
    opened, refreshed and resolved."""

    _inherit = "crm.customer.warning.rule"

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

    def _hits(self, today, cache=None, partners=None):
        """Customer id -> Verdict, for the customers in scope (those of ``partners`` only,
        when given) where the rule holds."""
        if partners is not None:
            Partner = self.env["res.partner"].with_company(self.company_id)
            partners = Partner.browse(self._scope_ids(Partner, within=partners.ids))
        verdicts = self._verdicts(self._facts(today, cache, partners))
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

    def _evaluate(self, today, cache=None, partners=None):
        """Open, refresh and resolve this rule's warnings: on every customer in scope, or
        on those of ``partners`` alone (the cap counts the warnings they would get)."""
        self.ensure_one()
        hits = self._hits(today, cache, partners)
        Warning = self.env["crm.customer.warning"]
        live = Warning.search(self._live_warnings_domain(partners))
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

    def _live_warnings_domain(self, partners=None):
        """This rule's live warnings, snoozed ones included; of ``partners`` when given."""
        domain = Domain("rule_id", "=", self.id) & self.env["crm.customer.warning"]._live_domain(
            snoozed=True
        )
        if partners is not None:
            domain &= Domain("partner_id", "in", partners.ids)
        return domain

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
            return rule.env._(
                "%(rule)s: %(words)s (threshold %(operator)s %(threshold)s)",
                rule=rule.name,
                words=reading.words(translate),
                operator=condition.operator,
                threshold=format_number(condition.threshold),
            )
        conditions = "; ".join(
            condition.with_env(rule.env)._words(reading) for condition, reading in met
        )
        return rule.env._("%(rule)s: %(conditions)s", rule=rule.name, conditions=conditions)

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
