import json
import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, split_every

from ..engine import ranking
from .settings import (
    ABC_A,
    ABC_B,
    METRICS_CURSOR,
    PERIOD_DAYS,
    TIER_KEY,
    TIER_ORDINARY,
    TIER_VIP,
    get_setting,
)
from .tools import busy_companies, exclusive_runs

_logger = logging.getLogger(__name__)


def _days(since, today):
    return (today - since).days if since else None


BATCH_SIZE = 20000
PERIODS_PER_QUERY = 1000  # more wallet periods per query lead the planner off the index
CURSOR_PARAM = METRICS_CURSOR.key
PASS_LOCK = "crm_customer_mgmt.metrics_pass"  # one pass at a time per company

# Columns measured per customer with their SQL type, in the order of the aggregate query.
MEASURES = {
    "last_invoice_date": "date",
    "last_order_date": "date",
    "invoice_count": "int4",
    "invoice_count_prev": "int4",
    "sales": "numeric",
    "sales_prev": "numeric",
    "sales_12m": "numeric",
    "categories": "jsonb",
    "categories_prev": "jsonb",
    "first_invoice_date": "date",
    "paid_late_days": "numeric",
    "open_receivable": "numeric",
    "overdue_amount": "numeric",
    "overdue_days": "int4",
    "sales_ytd": "numeric",
    "monthly_sales": "jsonb",
    "cost_to_serve": "numeric",
}
MONTHS = 6  # full months of sales kept for the decline warnings


class CrmCustomerMetrics(models.Model):
    """What the nightly pass measured per customer; one row per commercial partner."""

    _name = "crm.customer.metrics"
    _description = "Customer Metrics"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    last_invoice_date = fields.Date()
    last_order_date = fields.Date(string="Last Confirmed Order")
    invoice_count = fields.Integer(string="Invoices (period)")
    invoice_count_prev = fields.Integer(string="Invoices (previous period)")
    sales = fields.Float(string="Sales (period)")
    sales_prev = fields.Float(string="Sales (previous period)")
    sales_12m = fields.Float(string="Sales (12 months)")
    categories = fields.Json(string="Product Categories (period)")
    categories_prev = fields.Json(string="Product Categories (previous period)")
    first_invoice_date = fields.Date()
    paid_late_days = fields.Float(
        string="Days Paid Late",
        help="Amount-weighted days between due date and payment, over the last 12 months;"
        " empty when nothing was paid.",
    )
    open_receivable = fields.Float()
    overdue_amount = fields.Float()
    overdue_days = fields.Integer(string="Oldest Overdue (days)")
    sales_ytd = fields.Float(string="Sales (year to date)")
    monthly_sales = fields.Json(help="Sales of the last full months, oldest first.")
    cost_to_serve = fields.Float(
        string="Cost to Serve (period)",
        help="Journal items on expense accounts that carry this customer as partner (freight,"
        " rebates, promotion costs booked against the customer) in the current period.",
    )

    _partner_company_unique = models.Constraint(
        "UNIQUE(partner_id, company_id)", "A customer has one metrics row per company."
    )

    # The pass ---------------------------------------------------------------------------

    @api.model
    def _cron_refresh(self):
        """The pass over every customer, one at a time per company: a pass started while
        another runs leaves the work to it."""
        company = self.env.company
        with exclusive_runs(self.env, PASS_LOCK, company.ids, across_commits=True) as free:
            if not free:
                _logger.info("Metrics pass of %s already running: this one stops.", company.name)
                return
            # a fresh snapshot, which sees all that the previous pass committed
            self.env["ir.cron"]._commit_progress()
            self._refresh_all()

    @api.model
    def _check_not_running(self):
        """Refuse to start a pass (a button) while one runs in this company."""
        if busy_companies(self.env, PASS_LOCK, self.env.company.ids):
            raise self._already_running()

    def _already_running(self):
        return UserError(
            self.env._(
                "The metrics pass of %s is already running: try again when it is done.",
                self.env.company.name,
            )
        )

    def _refresh_all(self):
        """Measure every customer in one statement, rank them, then move their stages and
        grades in batches, committing after each; a run cut short resumes where it stopped."""
        today = fields.Date.context_today(self)
        todo = self._ids_to_refresh(today)
        cron = self.env["ir.cron"]
        self._measure(todo, today)
        # committed before the batches: a batch that meets a concurrent update rolls the
        # transaction back for a fresh snapshot, and its retry must still find the measures
        cron._commit_progress(remaining=len(todo))
        ranks = self._ranks() if todo else {}
        for start in range(0, len(todo), BATCH_SIZE):
            batch = todo[start : start + BATCH_SIZE]
            self._refresh_batch_safely(batch, today, ranks)
            self._set_cursor(today, batch[-1])
            if not cron._commit_progress(len(batch)):
                return
        self._set_cursor(today, "done")
        cron._commit_progress()

    def _ids_to_refresh(self, today):
        day, last = get_setting(self.env, METRICS_CURSOR)
        if day == str(today) and last == "done":
            return []
        domain = self._customer_domain()
        if day == str(today):
            domain = [*domain, ("id", ">", int(last))]
        return self.env["res.partner"].search(domain, order="id").ids

    def _set_cursor(self, today, last):
        self.env["ir.config_parameter"].sudo().set_param(CURSOR_PARAM, f"{today}:{last}")

    def _refresh_batch_safely(self, partner_ids, today, ranks):
        """One batch; a batch that fails is retried per customer, skipping broken ones."""
        try:
            with self.env.cr.savepoint():
                self._apply_measures(self.env["res.partner"].browse(partner_ids), today, ranks)
            return
        except SerializationFailure:
            _logger.warning("Metrics pass: concurrent update on a batch, retrying per customer.")
            self.env.cr.rollback()
        except Exception:
            _logger.exception("Metrics pass: batch failed, retrying per customer.")
        for partner_id in partner_ids:
            try:
                with self.env.cr.savepoint():
                    self._apply_measures(self.env["res.partner"].browse(partner_id), today, ranks)
            except Exception:
                _logger.exception("Metrics pass: customer %s skipped.", partner_id)

    @api.model
    def _customer_domain(self):
        """Customers the pass measures: commercial partners that bought or have a card type."""
        return [
            ("active", "=", True),
            "|",
            ("is_company", "=", True),
            ("parent_id", "=", False),
            "|",
            ("customer_rank", ">", 0),
            ("customer_type", "!=", False),
        ]

    def _refresh_partners_now(self, partners, today):
        """The card's Refresh: the pass for ``partners`` in this transaction, refused while
        another pass runs in the company."""
        company = self.env.company
        with exclusive_runs(self.env, PASS_LOCK, company.ids) as free:
            if not free:
                raise self._already_running()
            self._check_fresh(partners)
            self._refresh_partners(partners, today)

    def _check_fresh(self, partners):
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

    def _refresh_partners(self, partners, today):
        """The pass for ``partners`` alone (the card's Refresh): ranks stay as they are."""
        self._measure(partners.ids, today)
        self._apply_measures(partners, today)

    def _apply_measures(self, partners, today, ranks=None):
        """Write what the stored measures mean for ``partners`` in one UPDATE, then log the
        stage and grade changes. ``ranks`` maps partner ids to (ABC class, value tier)."""
        measured = self._measured(partners.ids)
        shares = self._current_shares(partners.ids, today)
        columns, first, decisions = partners._relationship_changes(measured, shares, today)
        if ranks:
            columns["abc_class"] = [ranks[pid][0] for pid in partners.ids]
            columns["value_tier"] = [ranks[pid][1] for pid in partners.ids]
        abc = dict(
            zip(
                partners.ids, columns.get("abc_class") or partners.mapped("abc_class"), strict=True
            )
        )
        credit_columns, grade_changes = partners._credit_changes(measured, today, abc)
        partners._write_changed(partners.ids, columns | credit_columns)
        partners._apply_decisions(first, decisions, today)
        partners._log_grade_changes(grade_changes, today)

    def _measure(self, partner_ids, today):
        """Aggregate per customer over posted invoices and confirmed orders, in one statement,
        and store the rows whose values changed."""
        if not partner_ids:
            return
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model(["move_type", "state"])
        self.env["sale.order"].flush_model(["state", "date_order", "partner_id", "company_id"])
        # the planner overestimates the joined aggregates; compiling them (JIT) costs more
        # than running them, and their sorts spill to disk with the default work_mem
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute("SET LOCAL work_mem = '64MB'")
        period = timedelta(days=get_setting(self.env, PERIOD_DAYS))
        cur_start, prev_start = (
            today - period + timedelta(days=1),
            today - 2 * period + timedelta(days=1),
        )
        year_start = today - timedelta(days=364)
        company = self.env.company.id
        columns = [SQL.identifier(name) for name in MEASURES]
        # a temporary table first: PostgreSQL runs CREATE TABLE AS in parallel, not INSERT
        self.env.execute_query(
            SQL(
                """
            CREATE TEMPORARY TABLE crm_customer_measured (partner_id, %(cols)s)
            ON COMMIT DROP AS
            WITH inv AS (
                SELECT aml.partner_id,
                       MAX(aml.date) FILTER (WHERE am.move_type = 'out_invoice')
                           AS last_invoice_date,
                       MIN(aml.date) FILTER (WHERE am.move_type = 'out_invoice')
                           AS first_invoice_date,
                       -SUM(aml.balance) FILTER (WHERE aml.date >= %(cur)s) AS sales,
                       -SUM(aml.balance) FILTER (
                           WHERE aml.date >= %(prev)s AND aml.date < %(cur)s) AS sales_prev,
                       -SUM(aml.balance) FILTER (WHERE aml.date >= %(year)s) AS sales_12m,
                       -SUM(aml.balance) FILTER (WHERE aml.date >= %(jan1)s) AS sales_ytd,
                       jsonb_build_array(%(months)s) AS monthly_sales
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE aml.partner_id = ANY(%(ids)s)
                   AND aml.company_id = %(company)s
                   AND aml.parent_state = 'posted'
                   AND aml.display_type = 'product'
                   AND am.move_type IN ('out_invoice', 'out_refund')
                   AND aml.date <= %(today)s
              GROUP BY aml.partner_id
            ), cnt AS (
                -- counted on the invoices, so that the line aggregate above needs no DISTINCT
                SELECT am.commercial_partner_id AS partner_id,
                       COUNT(*) FILTER (WHERE am.date >= %(cur)s) AS n,
                       COUNT(*) FILTER (WHERE am.date < %(cur)s) AS n_prev
                  FROM account_move am
                 WHERE am.commercial_partner_id = ANY(%(ids)s)
                   AND am.company_id = %(company)s
                   AND am.state = 'posted'
                   AND am.move_type = 'out_invoice'
                   AND am.date BETWEEN %(prev)s AND %(today)s
              GROUP BY am.commercial_partner_id
            ), cats AS (
                SELECT partner_id,
                       ARRAY_AGG(categ_id ORDER BY categ_id) FILTER (WHERE current)
                           AS categories,
                       ARRAY_AGG(categ_id ORDER BY categ_id) FILTER (WHERE NOT current)
                           AS categories_prev
                  FROM (SELECT DISTINCT aml.partner_id, pt.categ_id, aml.date >= %(cur)s AS current
                          FROM account_move_line aml
                          JOIN account_move am ON am.id = aml.move_id
                          JOIN product_product pp ON pp.id = aml.product_id
                          JOIN product_template pt ON pt.id = pp.product_tmpl_id
                         WHERE aml.partner_id = ANY(%(ids)s)
                           AND aml.company_id = %(company)s
                           AND aml.parent_state = 'posted'
                           AND aml.display_type = 'product'
                           AND am.move_type = 'out_invoice'
                           AND aml.date BETWEEN %(prev)s AND %(today)s
                           AND pt.categ_id IS NOT NULL) bought
              GROUP BY partner_id
            ), paid AS (
                -- each (partial) payment of an invoice at its own date, weighted by its amount
                SELECT aml.partner_id,
                       SUM(apr.amount * (apr.max_date - aml.date_maturity))
                           / NULLIF(SUM(apr.amount), 0) AS late_days
                  FROM account_partial_reconcile apr
                  JOIN account_move_line aml ON aml.id = apr.debit_move_id
                  JOIN account_move am ON am.id = aml.move_id
                 WHERE aml.partner_id = ANY(%(ids)s)
                   AND aml.company_id = %(company)s
                   AND am.move_type = 'out_invoice'
                   AND apr.max_date BETWEEN %(year)s AND %(today)s
              GROUP BY aml.partner_id
            ), recv AS (
                SELECT aml.partner_id,
                       SUM(aml.amount_residual) AS open_receivable,
                       -- unapplied credit notes due before today offset overdue amounts
                       SUM(aml.amount_residual) FILTER (WHERE aml.date_maturity < %(today)s)
                           AS overdue_amount,
                       MAX(%(today)s - aml.date_maturity) FILTER (
                           WHERE aml.date_maturity < %(today)s AND aml.amount_residual > 0)
                           AS overdue_days
                  FROM account_move_line aml
                  JOIN account_account acc ON acc.id = aml.account_id
                 WHERE aml.partner_id = ANY(%(ids)s)
                   AND aml.company_id = %(company)s
                   AND acc.account_type = 'asset_receivable'
                   AND aml.parent_state = 'posted'
                   AND NOT aml.reconciled
              GROUP BY aml.partner_id
            ), cost AS (
                SELECT aml.partner_id, SUM(aml.balance) AS cost_to_serve
                  FROM account_move_line aml
                  JOIN account_account acc ON acc.id = aml.account_id
                 WHERE aml.partner_id = ANY(%(ids)s)
                   AND aml.company_id = %(company)s
                   AND acc.account_type IN ('expense', 'expense_direct_cost')
                   AND aml.parent_state = 'posted'
                   AND aml.date BETWEEN %(cur)s AND %(today)s
              GROUP BY aml.partner_id
            ), ord AS (
                SELECT p.commercial_partner_id AS partner_id,
                       MAX(so.date_order)::date AS last_order
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_id
                 WHERE p.commercial_partner_id = ANY(%(ids)s)
                   AND so.company_id = %(company)s
                   AND so.state = 'sale'
              GROUP BY p.commercial_partner_id
            )
            SELECT ids.id, inv.last_invoice_date, ord.last_order, COALESCE(cnt.n, 0),
                   COALESCE(cnt.n_prev, 0), COALESCE(inv.sales, 0), COALESCE(inv.sales_prev, 0),
                   COALESCE(inv.sales_12m, 0), to_jsonb(COALESCE(cats.categories, '{}')),
                   to_jsonb(COALESCE(cats.categories_prev, '{}')), inv.first_invoice_date,
                   paid.late_days, COALESCE(recv.open_receivable, 0),
                   COALESCE(recv.overdue_amount, 0), COALESCE(recv.overdue_days, 0),
                   COALESCE(inv.sales_ytd, 0), COALESCE(inv.monthly_sales, %(no_months)s::jsonb),
                   COALESCE(cost.cost_to_serve, 0)
              FROM unnest(%(ids)s) AS ids(id)
         LEFT JOIN inv ON inv.partner_id = ids.id
         LEFT JOIN cnt ON cnt.partner_id = ids.id
         LEFT JOIN cats ON cats.partner_id = ids.id
         LEFT JOIN ord ON ord.partner_id = ids.id
         LEFT JOIN paid ON paid.partner_id = ids.id
         LEFT JOIN recv ON recv.partner_id = ids.id
         LEFT JOIN cost ON cost.partner_id = ids.id
            """,
                cols=SQL(", ").join(columns),
                ids=list(partner_ids),
                company=company,
                jan1=today.replace(month=1, day=1),
                months=self._monthly_sums(today),
                no_months=json.dumps([0] * MONTHS),
                cur=cur_start,
                prev=prev_start,
                year=year_start,
                today=today,
            )
        )
        self.env.execute_query(
            SQL(
                """
            INSERT INTO crm_customer_metrics AS m (partner_id, company_id, %(cols)s,
                        create_uid, write_uid, create_date, write_date)
            SELECT partner_id, %(company)s, %(cols)s, %(uid)s, %(uid)s, now(), now()
              FROM crm_customer_measured
            ON CONFLICT (partner_id, company_id) DO UPDATE
               SET %(updates)s, write_date = now(), write_uid = EXCLUDED.write_uid
             WHERE (%(old)s) IS DISTINCT FROM (%(new)s);
            DROP TABLE crm_customer_measured
            """,
                cols=SQL(", ").join(columns),
                updates=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", column, column) for column in columns
                ),
                old=SQL(", ").join(SQL("m.%s", column) for column in columns),
                new=SQL(", ").join(SQL("EXCLUDED.%s", column) for column in columns),
                company=company,
                uid=self.env.uid,
            )
        )
        self.invalidate_model()

    def _measured(self, partner_ids):
        """The stored scalar measures per partner id, in this company: stages and grades read
        no JSON column, and decoding them would cost more than the rest of the read."""
        names = [name for name, kind in MEASURES.items() if kind != "jsonb"]
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, %s FROM crm_customer_metrics"
                " WHERE company_id = %s AND partner_id = ANY(%s)",
                SQL(", ").join(SQL.identifier(name) for name in names),
                self.env.company.id,
                list(partner_ids),
            )
        )
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}

    @staticmethod
    def _monthly_sums(today):
        """SQL for the sales of each of the last full months, oldest first."""
        first = today.replace(day=1)
        starts = [first - relativedelta(months=n) for n in range(MONTHS, -1, -1)]
        return SQL(", ").join(
            SQL(
                "COALESCE(-SUM(aml.balance) FILTER (WHERE aml.date >= %s AND aml.date < %s), 0)",
                start,
                end,
            )
            for start, end in zip(starts, starts[1:], strict=False)
        )

    def _current_shares(self, partner_ids, today):
        """Share of wallet (percent) per partner id that has a current or ended wallet period."""
        return self._wallet_shares(partner_ids, today)[0]

    @api.model
    def _sales_in_periods(self, periods):
        """Our untaxed net sales per key.

        ``periods`` holds ``(key, partner_id, date_from, date_to, company_id)`` tuples.
        """
        if not periods:
            return {}
        self.env["account.move.line"].flush_model()
        sales = {}
        for chunk in split_every(PERIODS_PER_QUERY, periods):
            sales.update(self._sales_in_chunk(chunk))
        return sales

    def _sales_in_chunk(self, periods):
        keys, partners, starts, ends, companies = zip(*periods, strict=True)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT p.key, -SUM(aml.balance)
              FROM unnest(%s::int[], %s::int[], %s::date[], %s::date[], %s::int[])
                   AS p(key, partner_id, date_from, date_to, company_id)
              JOIN account_move_line aml
                ON aml.partner_id = p.partner_id AND aml.company_id = p.company_id
               AND aml.date BETWEEN p.date_from AND p.date_to
              JOIN account_move am ON am.id = aml.move_id
             WHERE aml.parent_state = 'posted'
               AND aml.display_type = 'product'
               AND am.move_type IN ('out_invoice', 'out_refund')
          GROUP BY p.key
            """,
                list(keys),
                list(partners),
                list(starts),
                list(ends),
                list(companies),
            )
        )
        return dict(rows)

    def _ranks(self):
        """(ABC class, value tier) per measured customer of the company, from 12-month sales."""
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, sales_12m FROM crm_customer_metrics WHERE company_id = %s",
                self.env.company.id,
            )
        )
        revenues = dict(rows)
        a, b, vip, key, ordinary = (
            get_setting(self.env, setting)
            for setting in (ABC_A, ABC_B, TIER_VIP, TIER_KEY, TIER_ORDINARY)
        )
        classes = ranking.abc_classes(revenues, a, b)
        tiers = ranking.value_tiers(revenues, vip, key, ordinary)
        return {pid: (classes[pid], tiers[pid]) for pid in revenues}

    # Facts for the warning rules --------------------------------------------------------

    def _warning_facts(self, partners, period_days, today):
        """Customer id -> the facts the warning metrics read, gathered set-based by batch;
        each batch's records leave the cache after it, so memory stays flat."""
        facts = {}
        for start in range(0, len(partners), BATCH_SIZE):
            facts.update(
                self._warning_facts_batch(partners[start : start + BATCH_SIZE], period_days, today)
            )
            self.env.invalidate_all()
        return facts

    def _warning_facts_batch(self, partners, period_days, today):
        ids = partners.ids
        since = today - timedelta(days=period_days)
        rows = {
            row["partner_id"]: row
            for row in self.env.execute_query_dict(
                SQL(
                    "SELECT * FROM crm_customer_metrics"
                    " WHERE company_id = %s AND partner_id = ANY(%s)",
                    self.env.company.id,
                    ids,
                )
            )
        }
        shares, previous = self._wallet_shares(ids, today)
        fell = self._stage_falls(ids, since)
        downgrades = self._grade_downgrades(ids, since)
        contacts = self._key_contact_changes(ids, since)
        jan1 = today.replace(month=1, day=1)
        elapsed = ((today - jan1).days + 1) / ((jan1.replace(year=jan1.year + 1) - jan1).days)
        signals = partners._odoo_signals(
            [
                "credit_limit",
                "credit_to_invoice",
                "last_order_date",
                "card_review_date",
                "card_completeness",
                "annual_sales_target",
            ]
        )
        facts = {}
        for pid, signal in signals.items():
            row = rows.get(pid) or {}
            open_receivable = float(row.get("open_receivable") or 0)
            limit = signal["credit_limit"]
            facts[pid] = {
                "overdue_amount": float(row.get("overdue_amount") or 0),
                "overdue_days": row.get("overdue_days") or 0,
                "days_since_last_order": _days(signal["last_order_date"], today),
                "sales": float(row.get("sales") or 0),
                "sales_prev": float(row.get("sales_prev") or 0),
                "monthly_sales": [float(v) for v in row.get("monthly_sales") or []],
                "lines": len(row.get("categories") or []),
                "lines_prev": len(row.get("categories_prev") or []),
                "share": shares.get(pid),
                "share_prev": previous.get(pid),
                "stage_fell": fell.get(pid, False),
                "limit_usage": 100.0 * (open_receivable + signal["credit_to_invoice"]) / limit
                if limit > 0
                else None,
                "grade_change": downgrades.get(pid, False),
                "days_since_review": _days(signal["card_review_date"], today),
                "completeness": signal["card_completeness"],
                "key_contact_changes": contacts.get(pid, []),
                "annual_target": signal["annual_sales_target"],
                "year_elapsed": elapsed,
                "sales_ytd": float(row.get("sales_ytd") or 0),
                "cost_to_serve": float(row.get("cost_to_serve") or 0),
            }
        return facts

    def _wallet_shares(self, partner_ids, today):
        """Shares of the latest period covering today (else the latest ended one) and of the
        period before it, per partner id."""
        Wallet = self.env["crm.customer.wallet"]
        Wallet.flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT id, partner_id, date_from, date_to, total_spend
              FROM (SELECT *, row_number() OVER (
                               PARTITION BY partner_id ORDER BY date_from DESC) AS position
                      FROM crm_customer_wallet
                     WHERE partner_id = ANY(%s) AND company_id = %s AND date_from <= %s) w
             WHERE position <= 2
          ORDER BY partner_id, position
            """,
                list(partner_ids),
                self.env.company.id,
                today,
            )
        )
        sales = self._sales_in_periods(
            [(wid, pid, start, end, self.env.company.id) for wid, pid, start, end, _t in rows]
        )
        current, previous = {}, {}
        for wid, pid, _start, _end, total in rows:
            share = Wallet._share(sales.get(wid, 0.0), total)
            if pid not in current:
                current[pid] = share
            else:
                previous[pid] = share
        return current, previous

    def _stage_falls(self, partner_ids, since):
        falls = self.env["crm.customer.stage.history"].search(
            [("partner_id", "in", partner_ids), ("change", "=", "fell"), ("date", ">=", since)],
            order="date desc, id desc",
        )
        result = {}
        for fall in falls:
            result.setdefault(fall.partner_id.id, fall.stage_to_id.name)
        return result

    def _grade_downgrades(self, partner_ids, since):
        changes = self.env["crm.credit.grade.history"].search(
            [
                ("partner_id", "in", partner_ids),
                ("date", ">=", since),
                ("grade_from_id", "!=", False),
            ],
            order="date desc, id desc",
        )
        result = {}
        for change in changes:
            if change.grade_to_id.min_score < change.grade_from_id.min_score:
                result.setdefault(
                    change.partner_id.id,
                    f"{change.grade_from_id.name} → {change.grade_to_id.name}",
                )
        return result

    def _key_contact_changes(self, partner_ids, since):
        """Decision makers who left (archived) or joined an older customer since ``since``."""
        contacts = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("parent_id", "in", partner_ids),
                    ("buying_role", "=", "decision_maker"),
                    "|",
                    ("create_date", ">=", since),
                    "&",
                    ("active", "=", False),
                    ("write_date", ">=", since),
                ]
            )
        )
        result = {}
        for contact in contacts:
            if not contact.active:
                words = self.env._("%s left", contact.name)
            elif contact.parent_id.create_date.date() < since:
                words = self.env._("%s joined", contact.name)
            else:
                continue  # a new customer's first contacts are no change
            result.setdefault(contact.parent_id.id, []).append(words)
        return result
