# crm.customer.metrics is split by concern: the table, the SQL of its sources, the pass
# pylint: disable=consider-merging-classes-inherited
import hashlib
import json
from datetime import timedelta
from typing import NamedTuple

from odoo import api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..engine import incremental
from .res_partner import MANAGER_GROUP
from .settings import (
    FULL_PASS_DAYS,
    INTERRUPT_DAYS,
    METRICS_CURSOR,
    METRICS_MARK,
    SETTINGS,
    TIER_CHURN_RATES,
    get_setting,
)

# a record written by a transaction that began this long before the pass read the data is
# still new to the next pass (the pass also waits for the transactions running when it reads)
MARK_MARGIN = timedelta(minutes=5)
# what the pass is set up from: a change to any of these makes the next pass a full one
CONFIG_MODELS = (
    "crm.customer.stage",
    "crm.credit.grade",
    "crm.credit.factor",
    "crm.customer.contact.cadence",
    "crm.customer.evaluation.criterion",
    "mail.activity.type",
)


class Plan(NamedTuple):
    """The customers a pass is about, by id."""

    todo: list  # measured, then written in full
    full: str | None  # why the pass is full (``engine.incremental``), None if incremental
    aging: list = []  # measured for their receivable only (AGING_SOURCES)
    credit: list = []  # scored again for credit alone (when not in ``todo``)


class CrmCustomerMetrics(models.Model):
    """The incremental pass: each night, only the customers whose records were written since
    the last pass, and those the calendar alone moves, are measured again (see
    ``engine.incremental``); a full pass stays due weekly, monthly, after a change of
    settings and at a supervisor's request."""

    _inherit = "crm.customer.metrics"

    # The plan ----------------------------------------------------------------------------

    def _pass_plan(self, today):
        """The customers tonight's pass is about (a ``Plan``): all of them in a full pass;
        in an incremental one, those whose records were written since the last pass or that
        the calendar moves, and those whose credit alone the calendar moves."""
        customers = self.env["res.partner"].search(self._customer_domain(), order="id").ids
        mark = incremental.mark_from(get_setting(self.env, METRICS_MARK))
        if self.env.context.get("crm_full_pass"):
            reason = incremental.REQUESTED
        else:
            every = get_setting(self.env, FULL_PASS_DAYS)
            reason = incremental.full_pass_reason(mark, today, self._pass_config(), every)
        if reason:
            return Plan(customers, reason)
        moved = self._pass_changed_since(mark.since) | self._pass_calendar_moved(
            customers, mark.day, today
        )
        aging = self._pass_aging(customers, mark.day, today) - moved
        credit = aging | self._pass_older_customers(mark.day, today) - moved
        return Plan(
            [pid for pid in customers if pid in moved],
            None,
            [pid for pid in customers if pid in aging],
            [pid for pid in customers if pid in credit],
        )

    def _pass_config(self):
        """Fingerprint of what the measures and their meaning are set up from: the rows of the
        configuration models (a few dozen) and the addon's settings."""
        for name in self._pass_config_models():
            self.env[name].flush_model()
        parts = [
            self.env.execute_query(
                SQL(
                    "SELECT %s, md5(COALESCE(string_agg(t::text, ',' ORDER BY t.id), ''))"
                    " FROM %s t",
                    name,
                    SQL.identifier(self.env[name]._table),
                )
            )[0]
            for name in self._pass_config_models()
        ]
        # what Odoo's credit signals and the contacts' days read from the company
        company = self.env.company
        parts.append(
            (company.account_use_credit_limit, self.env["crm.customer.contact"]._contact_tz())
        )
        parts.extend(
            self.env.execute_query(
                SQL(
                    """SELECT f.name, d.company_id, d.json_value
                         FROM ir_default d JOIN ir_model_fields f ON f.id = d.field_id
                        WHERE f.model = 'res.partner' ORDER BY d.id"""
                )
            )
        )
        own = {METRICS_MARK.key, METRICS_CURSOR.key, TIER_CHURN_RATES.key}  # the passes'
        parts.extend(
            (key, get_setting(self.env, setting))
            for key, setting in SETTINGS.items()
            if key not in own
        )
        return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:32]

    @api.model
    def _pass_config_models(self):
        """The models whose records set the pass up (see CONFIG_MODELS); extend to add one."""
        return list(CONFIG_MODELS)

    # Written since the last pass ------------------------------------------------------

    def _pass_changed_since(self, since):
        """Ids of the commercial partners of the records written since ``since`` that the
        measures and their meaning read (``_pass_change_sources()``)."""
        return self._pass_partners_of(self._pass_change_sources(since))

    def _pass_partners_of(self, sources):
        """The ids of the ``partner_id`` that the SQL of ``sources`` (name -> SQL) select."""
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT partner_id FROM (%s) found WHERE partner_id IS NOT NULL",
                SQL(" UNION ALL ").join(SQL("(%s)", source) for source in sources.values()),
            )
        )
        return {row[0] for row in rows}

    @api.model
    def _pass_change_sources(self, since):
        """Name -> SQL of the commercial partners (``partner_id``) of the records written
        since ``since`` that a measure reads: a measure reading another model adds its own
        here, or it is only measured again by the full passes."""
        company = self.env.company.id
        Partner = self.env["res.partner"]

        def written(table, partner, where=None):
            return SQL(
                """SELECT cp.commercial_partner_id AS partner_id
                     FROM %(table)s src
                     JOIN res_partner cp ON cp.id = %(partner)s
                    WHERE src.write_date >= %(since)s AND %(where)s""",
                table=SQL.identifier(table),
                partner=SQL(partner),
                since=since,
                where=where or SQL("TRUE"),
            )

        here = SQL("src.company_id = %s", company)
        return {
            "journal_items": written("account_move_line", "src.partner_id", here),
            "journal_entries": written("account_move", "src.commercial_partner_id", here),
            "reconciliations": SQL(
                """SELECT aml.partner_id
                     FROM account_partial_reconcile apr
                     JOIN account_move_line aml
                       ON aml.id IN (apr.debit_move_id, apr.credit_move_id)
                    WHERE apr.write_date >= %s AND apr.company_id = %s""",
                since,
                company,
            ),
            "orders": written("sale_order", "src.partner_id", here),
            # Odoo's credit to invoice counts an order for the customer it is invoiced to
            "orders_invoiced": written("sale_order", "src.partner_invoice_id", here),
            "order_lines": written("sale_order_line", "src.order_partner_id", here),
            "products": SQL(
                """SELECT aml.partner_id
                     FROM account_move_line aml
                    WHERE aml.company_id = %(company)s
                      AND aml.product_id IN (
                          SELECT pp.id FROM product_product pp
                            JOIN product_template pt ON pt.id = pp.product_tmpl_id
                           WHERE pp.write_date >= %(since)s OR pt.write_date >= %(since)s)""",
                company=company,
                since=since,
            ),
            "partners": written("res_partner", "src.id"),
            "wallets": written("crm_customer_wallet", "src.partner_id", here),
            "measured_again": SQL(
                "SELECT partner_id FROM crm_customer_metrics WHERE company_id = %s AND stale",
                company,
            ),
            "evaluations": written("crm_customer_evaluation", "src.partner_id"),
            # the credit explanation names who entered, approved or set the trust
            "named_users": SQL(
                """SELECT e.partner_id
                     FROM crm_customer_evaluation e
                     JOIN res_users u ON u.id IN (e.entered_by_id, e.approved_by_id)
                     JOIN res_partner up ON up.id = u.partner_id
                    WHERE up.write_date >= %(since)s
                    UNION ALL
                   SELECT p.id
                     FROM res_partner p
                     JOIN res_users u ON u.id = (%(trust_set_by)s)
                     JOIN res_partner up ON up.id = u.partner_id
                    WHERE up.write_date >= %(since)s""",
                since=since,
                trust_set_by=Partner._fields["credit_trust_set_by_id"].to_sql(Partner, "p"),
            ),
            "messages": self._message_customers(SQL("msg.write_date >= %s", since)),
            "meetings": SQL(
                """SELECT cp.commercial_partner_id AS partner_id
                     FROM calendar_event ev
                     JOIN calendar_attendee att ON att.event_id = ev.id
                     JOIN res_partner cp ON cp.id = att.partner_id
                    WHERE ev.write_date >= %(since)s OR att.write_date >= %(since)s
                       OR (ev.start >= %(since)s AND ev.start < now() AT TIME ZONE 'UTC')""",
                since=since,
            ),
        }

    @api.model
    def _message_customers(self, where):
        """SQL of the commercial partners (``partner_id``) of the messages ``where`` (SQL on
        ``msg``): their author, who they notified, the partner they are posted on."""
        return SQL(
            """SELECT cp.commercial_partner_id AS partner_id
                 FROM mail_message msg
            LEFT JOIN mail_notification notif ON notif.mail_message_id = msg.id
                 JOIN res_partner cp
                   ON cp.id IN (msg.author_id, notif.res_partner_id,
                                CASE WHEN msg.model = 'res.partner' THEN msg.res_id END)
                WHERE %s""",
            where,
        )

    # Moved by the calendar ----------------------------------------------------------

    def _pass_calendar_moved(self, customers, before, today):
        """Ids of the customers whose measures or their meaning the day moving from
        ``before`` to ``today`` changes alone (``_pass_calendar_sources()``)."""
        if before == today:
            return set()
        return self._pass_partners_of(self._pass_calendar_sources(customers, before, today))

    @api.model
    def _pass_calendar_sources(self, customers, before, today):
        """Name -> SQL of the customers (``partner_id``) the calendar moves from ``before``
        to ``today`` (a later day of the same month): records entering or leaving the
        windows, receivables growing older, silences and cadences crossing their thresholds,
        the years as a customer counted in whole months."""
        old, new = self._window(customers, before), self._window(customers, today)
        ranges = self._pass_swept(before, today)
        company = self.env.company.id

        def within(column):
            return SQL(" OR ").join(
                SQL("%s BETWEEN %s AND %s", SQL(column), a, b) for a, b in ranges
            )

        Partner = self.env["res.partner"]
        next_contact = Partner._fields["next_contact_date"].to_sql(Partner, "p")
        contacts = self.env["crm.customer.contact"]
        interrupt = get_setting(self.env, INTERRUPT_DAYS)
        return {
            "journal_items": SQL(
                """SELECT partner_id FROM account_move_line
                    WHERE company_id = %s AND parent_state = 'posted' AND (%s)""",
                company,
                within("date"),
            ),
            "payments": SQL(
                """SELECT aml.partner_id
                     FROM account_partial_reconcile apr
                     JOIN account_move_line aml ON aml.id = apr.debit_move_id
                    WHERE apr.company_id = %s AND (%s)""",
                company,
                within("apr.max_date"),
            ),
            # contacts entering or leaving the periods (those of the days since the last pass
            # were written, or are meetings held, since it: see _pass_change_sources())
            "contacts": SQL(
                "SELECT partner_id FROM (%s) events",
                SQL(" UNION ALL ").join(
                    # of any customer: the customers' ids, repeated in each source of
                    # contacts, would make a statement of megabytes
                    contacts._contact_events(None, a, b, notes=False)
                    for a, b in incremental.swept([old.prev, old.cur], [new.prev, new.cur])
                ),
            ),
            # a stage moves one step a pass: those it moved at the last pass may move again
            "stage_moves": SQL(
                """SELECT partner_id FROM crm_customer_stage_history
                    WHERE company_id = %s AND date >= %s""",
                company,
                before,
            ),
            "silence": SQL(
                """SELECT partner_id FROM crm_customer_metrics
                    WHERE company_id = %s
                      AND GREATEST(last_invoice_date, last_sale_order_date) + %s
                          BETWEEN %s AND %s""",
                company,
                interrupt,
                before + timedelta(days=1),
                today,
            ),
            "cadence": SQL(
                """SELECT p.id AS partner_id FROM res_partner p
                    WHERE p.id = ANY(%s) AND (%s) >= %s AND (%s) < %s""",
                customers,
                next_contact,
                before,
                next_contact,
                today,
            ),
            # Odoo converts an order left to invoice at the rate of the day
            "rates": SQL(
                """SELECT so.partner_invoice_id AS partner_id
                     FROM sale_order so
                     JOIN res_currency_rate rate ON rate.currency_id = so.currency_id
                    WHERE so.company_id = %s AND so.state = 'sale'
                      AND so.invoice_status = 'to invoice'
                      AND rate.name BETWEEN %s AND %s""",
                company,
                before + timedelta(days=1),
                today,
            ),
            "wallets": SQL(
                """SELECT partner_id FROM crm_customer_wallet
                    WHERE company_id = %s
                      AND (date_from BETWEEN %s AND %s OR date_to BETWEEN %s AND %s)""",
                company,
                before + timedelta(days=1),
                today,
                before,
                today - timedelta(days=1),
            ),
            "partial_churn": SQL(
                """SELECT partner_id FROM crm_customer_partial_churn
                    WHERE company_id = %s AND date BETWEEN %s AND %s""",
                company,
                old.cur,
                new.cur - timedelta(days=1),
            ),
        }

    def _pass_swept(self, before, today):
        """Inclusive date ranges of the records that enter or leave a window when the day
        moves from ``before`` to ``today``: the bounds of the previous and current periods
        and of the 12 months, and the days after ``before``."""
        old, new = self._window([], before), self._window([], today)
        starts = ("prev", "cur", "year")
        ranges = incremental.swept(
            [getattr(old, name) for name in starts], [getattr(new, name) for name in starts]
        )
        return [*ranges, (before + timedelta(days=1), today)]

    def _pass_aging(self, customers, before, today):
        """Ids of the customers measured before with an open receivable: it grows older every
        day, and their oldest overdue, what falls due and Odoo's days sales outstanding move
        with it (nothing else: a customer it is all that moves needs no more than its
        receivable measured and its credit scored)."""
        if before == today:
            return set()
        window = self._window(customers, today)
        return self._pass_partners_of(
            {
                "receivable": SQL(
                    """SELECT open.partner_id
                         FROM %s open
                         JOIN crm_customer_metrics m
                           ON m.partner_id = open.partner_id AND m.company_id = %s""",
                    self._receivable_open(window),
                    window.company,
                )
            }
        )

    def _pass_older_customers(self, before, today):
        """Ids of the customers a month more as customers (credit counts the years in whole
        months) since ``before``."""
        return self._pass_partners_of(
            {
                "customer_months": SQL(
                    """SELECT partner_id FROM crm_customer_metrics
                        WHERE company_id = %s AND first_invoice_date IS NOT NULL
                          AND %s <> %s""",
                    self.env.company.id,
                    self._whole_months_sql("first_invoice_date", before),
                    self._whole_months_sql("first_invoice_date", today),
                )
            }
        )

    @staticmethod
    def _whole_months_sql(column, day):
        """SQL of ``engine.incremental.whole_months(column, day)``."""
        return SQL(
            """((%(y)s - EXTRACT(YEAR FROM %(c)s)::int) * 12
                + %(m)s - EXTRACT(MONTH FROM %(c)s)::int
                - (%(d)s < EXTRACT(DAY FROM %(c)s)::int)::int)""",
            c=SQL.identifier(column),
            y=day.year,
            m=day.month,
            d=day.day,
        )

    # The mark ---------------------------------------------------------------------------

    def _pass_start_mark(self):
        """The moment from which a record written is new to the next pass: when this
        transaction began, or earlier when another began before and still runs (what it
        writes, committed after this pass read the data, bears its start), less a margin.
        Read first in the transaction that measures, as it takes its snapshot."""
        started = self.env.execute_query(
            SQL(
                """SELECT LEAST(now(), (SELECT MIN(xact_start) FROM pg_stat_activity
                                         WHERE datname = current_database()
                                           AND pid <> pg_backend_pid()))
                          AT TIME ZONE 'UTC'"""
            )
        )[0][0]
        return str(started - MARK_MARGIN)

    def _pass_begin(self, today, resumed=False):
        """The moment from which records are new to the next pass (``_pass_start_mark()``),
        kept for the day: a run cut short and resumed keeps the first run's."""
        stored = get_setting(self.env, METRICS_MARK) or {}
        if resumed and stored.get("started_day") == str(today):
            return stored["started"]
        since = self._pass_start_mark()
        self._pass_keep_mark({**stored, "started": since, "started_day": str(today)})
        return since

    def _pass_save_mark(self, today, since, reason):
        """What the pass of ``today`` saw, once it is done (``reason``: why it was full)."""
        mark = incremental.mark_from(get_setting(self.env, METRICS_MARK))
        full_day = today if reason or not mark else mark.full_day
        self._pass_keep_mark(
            {
                "day": str(today),
                "since": since,
                "full_day": str(full_day),
                "config": self._pass_config(),
                "full": reason,
            }
        )

    def _pass_keep_mark(self, mark):
        self.env["ir.config_parameter"].sudo().set_param(
            METRICS_MARK.key_in(self.env), json.dumps(mark)
        )

    @api.model
    def action_full_pass(self):
        """A supervisor's button: the next pass in this company is a full one, started now."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only customer management supervisors can start a full pass.")
            )
        self._check_not_running()
        self._pass_keep_mark({**(get_setting(self.env, METRICS_MARK) or {}), "requested": True})
        self.env.ref("crm_customer_mgmt.ir_cron_customer_metrics").sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "A full metrics pass of %(company)s starts in a moment; the customers'"
                    " values follow when it is done.",
                    company=self.env.company.name,
                ),
            },
        }
