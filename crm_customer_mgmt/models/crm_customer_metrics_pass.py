# crm.customer.metrics is split by concern: the table, the SQL of its sources, the pass
# pylint: disable=consider-merging-classes-inherited
import logging

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .settings import METRICS_CURSOR, get_setting
from .tools import busy_companies, exclusive_runs

_logger = logging.getLogger(__name__)

BATCH_SIZE = 20000
PASS_LOCK = "crm_customer_mgmt.metrics_pass"  # one pass at a time per company
# the sources of the measures that a receivable growing older moves (its oldest overdue)
AGING_SOURCES = ("recv",)


class CrmCustomerMetrics(models.Model):
    """The nightly pass: measure every customer, rank them, then write what the measures
    mean on the partners (stages, grades) by batch, committing after each. The card's
    Refresh runs the same steps for its customers."""

    _inherit = "crm.customer.metrics"

    @api.model
    def _cron_refresh(self):
        """The pass over every customer of every company, one company after the other; a
        run out of time is rescheduled and resumes where it stopped."""
        companies = self._pass_companies()
        for done, company in enumerate(companies, start=1):
            if not self.with_company(company)._pass_company(len(companies) - done):
                return

    @api.model
    def _pass_companies(self):
        """The companies the nightly pass measures: all of them (a handful of rows)."""
        return self.env["res.company"].search([], order="id")  # pylint: disable=no-search-all

    def _pass_company(self, companies_left=0):
        """The pass in this environment's company, one at a time per company: a pass started
        while another runs leaves the work to it. False when the cron's time is up."""
        company = self.env.company
        with exclusive_runs(self.env, PASS_LOCK, company.ids, across_commits=True) as free:
            if not free:
                _logger.info("Metrics pass of %s already running: this one stops.", company.name)
                return True
            # a fresh snapshot, which sees all that the previous pass committed
            self.env["ir.cron"]._commit_progress()
            return self._pass_run(companies_left)

    @api.model
    def _check_not_running(self):
        """Refuse to start a pass (a button) while one runs in this company."""
        if busy_companies(self.env, PASS_LOCK, self.env.company.ids):
            raise self._pass_already_running()

    def _pass_already_running(self):
        return UserError(
            self.env._(
                "The metrics pass of %s is already running: try again when it is done.",
                self.env.company.name,
            )
        )

    def _pass_run(self, companies_left=0):
        """Measure the customers tonight's pass is about in one statement (all of them, or
        only those that moved since the last pass: see ``_pass_plan()``), rank every customer,
        then move stages and grades in batches, committing after each; a run cut short
        resumes where it stopped. ``companies_left`` counts the companies still to do after
        this one, so that a cron out of time is rescheduled for them. False when the cron's
        time is up."""
        today = fields.Date.context_today(self)
        cron = self.env["ir.cron"]
        if self._pass_done(today):
            return bool(cron._commit_progress(remaining=companies_left))
        resumed = get_setting(self.env, METRICS_CURSOR)[0] == str(today)
        since = self._pass_begin(today, resumed=resumed)
        todo, reason, aging, credit = self._pass_todo(today)
        self._measure(todo, today)
        self._measure(aging, today, sources=AGING_SOURCES)
        # committed before the batches: a batch that meets a concurrent update rolls the
        # transaction back for a fresh snapshot, and its retry must still find the measures
        cron._commit_progress(remaining=len(todo) + len(credit) + companies_left)
        ranks = self._ranks() if todo or credit else {}
        if ranks:
            self.env["res.partner"]._keep_tier_churn_rates(today, ranks, renew=reason)
            if not reason:  # customers measured alike whose rank moved with the others'
                todo = self._pass_with_rank_changes(todo, ranks)
        credit_only = set(credit) - set(todo)
        everyone = sorted(set(todo) | credit_only)
        for start in range(0, len(everyone), BATCH_SIZE):
            batch = everyone[start : start + BATCH_SIZE]
            self._pass_batch_safely(batch, today, ranks, credit_only)
            self._pass_set_cursor(today, batch[-1])
            if not cron._commit_progress(len(batch)):
                return False
        self._pass_set_cursor(today, "done")
        self._pass_save_mark(today, since, reason)
        return bool(cron._commit_progress(remaining=companies_left))

    def _pass_done(self, today):
        """Whether the company's pass of ``today`` is done."""
        return get_setting(self.env, METRICS_CURSOR) == (str(today), "done")

    def _pass_todo(self, today):
        """The ``Plan`` of the customers left to do today (``_pass_plan()``), after the
        cursor of a run cut short."""
        day, last = get_setting(self.env, METRICS_CURSOR)
        plan = self._pass_plan(today)
        if day != str(today):
            return plan
        return plan._replace(
            **{
                name: [pid for pid in getattr(plan, name) if pid > int(last)]
                for name in ("todo", "aging", "credit")
            }
        )

    def _pass_with_rank_changes(self, todo, ranks):
        """``todo`` and the customers whose ranked columns tonight's ranks change, in order."""
        names = list(next(iter(ranks.values())))
        stored = self.env["res.partner"].browse(list(ranks))._stored_values(names)
        moved = [
            pid
            for pid, row in ranks.items()
            if tuple(row[name] or False for name in names)
            != tuple(value or False for value in stored[pid])
        ]
        if not moved:
            return todo
        customers = self.env["res.partner"].search([*self._customer_domain(), ("id", "in", moved)])
        return sorted(set(todo) | set(customers.ids))

    def _pass_set_cursor(self, today, last):
        self.env["ir.config_parameter"].sudo().set_param(
            METRICS_CURSOR.key_in(self.env), f"{today}:{last}"
        )

    def _pass_batch_safely(self, partner_ids, today, ranks, credit_only=frozenset()):
        """One batch; a batch that fails is retried per customer, skipping broken ones.
        ``credit_only``: ids whose credit alone is scored again (see ``_pass_plan()``)."""
        Partner = self.env["res.partner"]

        def apply(ids):
            rest = [pid for pid in ids if pid not in credit_only]
            self._pass_apply(Partner.browse(rest), today, ranks)
            self._pass_apply_credit(
                Partner.browse([pid for pid in ids if pid in credit_only]), today
            )

        try:
            with self.env.cr.savepoint():
                apply(partner_ids)
            return
        except SerializationFailure:
            _logger.warning("Metrics pass: concurrent update on a batch, retrying per customer.")
            self.env.cr.rollback()
        except Exception:
            _logger.exception("Metrics pass: batch failed, retrying per customer.")
        for partner_id in partner_ids:
            try:
                with self.env.cr.savepoint():
                    apply([partner_id])
            except Exception:
                _logger.exception("Metrics pass: customer %s skipped.", partner_id)

    def _pass_partners_now(self, partners, today):
        """The card's Refresh: the pass for ``partners`` in this transaction, refused while
        another pass runs in the company."""
        company = self.env.company
        with exclusive_runs(self.env, PASS_LOCK, company.ids) as free:
            if not free:
                raise self._pass_already_running()
            self._pass_check_fresh(partners)
            self._pass_partners(partners, today)

    def _pass_check_fresh(self, partners):
        """Lock the rows a pass writes first. A pass that committed them after this
        transaction began makes this fail with a serialization error, before any work, and
        the request is retried on fresh data (no log noise: the failure is expected)."""
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM crm_customer_metrics WHERE partner_id = ANY(%s)"
                " AND company_id = %s FOR NO KEY UPDATE",
                partners.ids,
                self.env.company.id,
            ),
            log_exceptions=False,
        )

    def _pass_partners(self, partners, today):
        """The pass for ``partners`` alone (the card's Refresh): ranks stay as they are."""
        self._measure(partners.ids, today)
        self._pass_apply(partners, today)

    def _pass_apply(self, partners, today, ranks=None):
        """Write what the stored measures mean for ``partners`` in one UPDATE, then log the
        stage and grade changes. ``ranks`` maps partner ids to the columns ranked among all
        customers (``_ranks()``); without it, they stay as they are."""
        measured = self._measured(partners.ids)
        shares = self.env["crm.customer.wallet"]._current_shares(partners.ids, today)
        values, first, decisions = partners._relationship_changes(measured, shares, today)
        if ranks:
            for pid, row in values.items():
                row.update(ranks[pid])
            abc = {pid: row["abc_class"] for pid, row in values.items()}
        else:
            abc = {partner.id: partner.abc_class for partner in partners}
        credit, grade_changes = partners._credit_changes(measured, today, abc)
        contact = partners._contact_changes(measured, values, today)
        analysis = partners._analysis_changes(measured, values, today)
        partners._write_changed(
            {pid: values[pid] | credit[pid] | contact[pid] | analysis[pid] for pid in partners.ids}
        )
        partners._apply_decisions(first, decisions, today)
        partners._log_grade_changes(grade_changes, today)
        self.env["crm.customer.partial.churn"]._record_partial_churn(partners, today)

    def _pass_apply_credit(self, partners, today):
        """Score and grade ``partners`` again, whose receivable alone the calendar moved:
        their stage, contacts and analysis read nothing it changed."""
        if not partners:
            return
        abc = {pid: row[0] for pid, row in partners._stored_values(["abc_class"]).items()}
        credit, grade_changes = partners._credit_changes(self._measured(partners.ids), today, abc)
        partners._write_changed(credit)
        partners._log_grade_changes(grade_changes, today)
