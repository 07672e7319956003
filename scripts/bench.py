"""Times the nightly metrics pass of crm_customer_mgmt over a synthetic database.

Run by scripts/bench.sh inside a database where the addon is installed without demo data:
loads N customers and M posted invoice lines spread over two years, and contact messages
over the last year, with raw SQL, then runs
``crm.customer.metrics._cron_refresh()`` (the whole nightly pass) a number of times and
prints its speed and the Python process's peak memory against the targets, and its ratio
to the floor, one plain SQL ``GROUP BY partner`` over the same lines, for information.

Then it times the warning rules, and a back-test's reading of the ledger: the measures and
warning facts of up to 20,000 customers as of each of the last 12 month-ends.

Pass 1 places every customer in its first stage (bulk); the next passes are full runs over
the same data (``crm_full_pass``). Each pass gets a fresh cursor and has the pass's cursor
parameter reset, as the cron would find it on a new day.

Then a quiet night: 2 % of the customers get a new invoice, the day moves on by one and the
pass runs as the cron would, measuring only the customers that moved. Its time is held
against the full pass's and against a plain GROUP BY over the customers it measured. A copy
of the database taken before it runs a full pass of the same day, and every value the pass
writes must come out the same in both.
"""

import argparse
import collections
import functools
import gc
import hashlib
import json
import logging
import math
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import threading
import time
import traceback
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

# the quiet night runs on a frozen day: a clock freezegun leaves alone (it replaces the
# functions of the time module, not a bound method of one)
clock = time.perf_counter.__call__

CURSOR_PARAM = "crm_customer_mgmt.metrics_cursor"
MARK_PARAM = "crm_customer_mgmt.metrics_mark"
# on this 2-core machine: a full pass over 100,000 customers and 1,000,000 lines; from a
# million customers (and ten million lines) on, SCALE_TARGETS: full pass, memory, quiet night
TARGET_SECONDS = 30.0
TARGET_MB = 1024.0
SCALE_CUSTOMERS = 1000000
SCALE_TARGETS = (600.0, 2048.0, 60.0)


def targets(customers):
    """(full pass seconds, MB, quiet night seconds or None) the run at this size is held to."""
    if customers >= SCALE_CUSTOMERS:
        return SCALE_TARGETS
    return TARGET_SECONDS, TARGET_MB, None


DAYS = 730  # invoices spread over the last two years
LINES_PER_INVOICE = 2.5
NEVER_BOUGHT = 0.05  # share of customers without any invoice
REPS = 50  # sales reps owning the customers; one customer in ten has no owner
CATEGORIES = 8
PRODUCTS_PER_CATEGORY = 5
# The floor: one plain GROUP BY partner over the invoice lines the pass aggregates. The
# journal condition keeps it on those lines: payments' lines are display_type 'product' too.
FLOOR_SQL = (
    "SELECT partner_id, SUM(balance) FROM account_move_line"
    " WHERE display_type = 'product' AND parent_state = 'posted' AND journal_id = %s"
    " GROUP BY partner_id"
)
FLOOR_RUNS = 5

# The quiet night: customers with a new invoice, dated the next day, that the pass then
# measures alone (with those the calendar moves), against the full pass and the floor
QUIET_SHARE = 50  # one customer in QUIET_SHARE: 2 %
QUIET_LINES = 3  # product lines per new invoice
QUIET_TARGET_SHARE = 0.10  # of the full pass's time
QUIET_TARGET_FLOOR = 5.0  # times one GROUP BY over the lines of the customers it measured
QUIET_FLOOR_SQL = (
    "SELECT partner_id, SUM(balance) FROM account_move_line"
    " WHERE partner_id = ANY(%s) GROUP BY partner_id"
)
EQUALITY_SHOWN = 20  # differences printed when the quiet night and the full pass disagree

SQL_PROFILE = collections.defaultdict(lambda: [0, 0.0])  # statement start -> count, seconds
# calls, seconds, sql seconds, queries, customers (see COUNTED)
STATS = collections.defaultdict(lambda: [0, 0.0, 0.0, 0, 0])
# the ids each _measure call of a pass measured: all their measures, and (a customer that
# only a receivable growing older moves) some of them
MEASURED = {"all": [], "some": []}
PROBLEMS = collections.Counter()  # log records of WARNING and above, by logger


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument(
        "--messages",
        type=int,
        default=1_000_000,
        help="contact messages: done calls, emails and meetings, and emails received",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also list the slowest SQL statements of each pass"
    )
    args = parser.parse_args()
    if args.customers < 1 or args.lines < 1 or args.passes < 1:
        parser.error("--customers, --lines and --passes must be positive")
    return args


def say(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


PEAK_BEFORE_RESET = [0.0]  # ru_maxrss before reset_peak() last reset it


def peak_rss_mb():
    """The process's peak RSS since it started (ru_maxrss, KB on Linux, follows VmHWM)."""
    current = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return max(current, PEAK_BEFORE_RESET[0])


def current_rss_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def backend_peak_mb(pid):
    """VmHWM of a PostgreSQL backend on this machine (includes shared buffers it touched)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


class CountProblems(logging.Filter):
    """Counts warnings and errors; lets the first few of each logger through, then hushes.
    A long message (a bad query over 100,000 ids) is cut."""

    SHOWN = 3
    LONGEST = 3000

    def filter(self, record):
        if record.levelno < logging.WARNING:
            return True
        key = f"{record.levelname} {record.name}"
        PROBLEMS[key] += 1
        message = record.getMessage()
        if len(message) > self.LONGEST:
            cut = len(message) - self.LONGEST
            record.msg = (
                f"{message[: self.LONGEST // 2]} [... {cut:,} characters ...] "
                + (message[-self.LONGEST // 2 :])
            )
            record.args = ()
        if PROBLEMS[key] == self.SHOWN + 1:
            record.msg, record.args, record.exc_info = (
                "(further warnings and errors of this logger are counted, not shown)",
                (),
                None,
            )
            return True
        return PROBLEMS[key] <= self.SHOWN


class BenchAbort(Exception):
    """A batch of the pass failed: the timing would measure the per-customer retry."""


# Odoo -----------------------------------------------------------------------------------


ADDON_DIR = pathlib.Path(__file__).resolve().parent.parent / "crm_customer_mgmt"


def addon_state():
    """Which code of the addon is measured: commit, uncommitted files, digest of its files."""
    addon = ADDON_DIR
    digest = hashlib.sha1()
    for path in sorted(addon.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(addon)).encode() + b"\0" + path.read_bytes())

    def git(*command):
        try:
            return subprocess.run(
                ["git", "-C", str(addon), *command], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    changed = len(git("status", "--porcelain", "--", ".").splitlines())
    return f"commit {git('rev-parse', '--short', 'HEAD') or '?'}, {changed} uncommitted" + (
        f" file(s), files digest {digest.hexdigest()[:12]}"
    )


def start_odoo(args):
    from odoo.tools import config

    config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn", "--no-http"],
        setup_logging=True,
    )
    from odoo.modules.registry import Registry

    threading.current_thread().dbname = args.database
    started = clock()
    registry = Registry(args.database)
    say(f"registry loaded in {clock() - started:.1f} s")
    args.addon_state = addon_state()
    problems = CountProblems()
    for handler in logging.getLogger().handlers:
        handler.addFilter(problems)
    return registry


def new_env(cr):
    from odoo import api

    env = api.Environment(cr, api.SUPERUSER_ID, {})
    return env(context=env["res.users"].context_get())


FAILURES = []  # exceptions that left an instrumented step


def check_steps(registry, steps):
    """Stop at once when a timed method was renamed or removed: its row would read zero."""
    missing = [
        f"{model}.{method}"
        for model, method, *_label in steps
        if model not in registry or not callable(getattr(registry[model], method, None))
    ]
    if missing:
        raise SystemExit(
            f"error: {', '.join(missing)} no longer exist(s): update STEPS in {__file__}"
        )


def instrument(registry, model, method, label=None):
    """Time every call of ``model.method`` (inclusive: nested steps count in their callers)."""
    check_steps(registry, [(model, method)])
    cls = registry[model]
    original = getattr(cls, method)
    label = label or f"{model}.{method}"
    thread = threading.current_thread()

    counted = COUNTED.get(method)

    @functools.wraps(original)
    def timed(self, *args, **kwargs):
        start, sql_start = clock(), thread.query_time
        queries = thread.query_count
        failures = len(FAILURES)
        try:
            result = original(self, *args, **kwargs)
        except Exception as exc:
            FAILURES.append(f"{label.strip()}: {type(exc).__name__}: {exc}")
            raise
        else:
            if method == "_pass_batch_safely" and len(FAILURES) > failures:
                raise BenchAbort(FAILURES[failures])
            if method == "_measure":
                MEASURED["some" if kwargs.get("sources") else "all"].extend(args[0])
            if counted:
                STATS[label][4] += len(counted(args, result))
            return result
        finally:
            stat = STATS[label]
            stat[0] += 1
            stat[1] += clock() - start
            stat[2] += thread.query_time - sql_start
            stat[3] += thread.query_count - queries

    setattr(cls, method, timed)


STEPS = [
    # (model, method, label); indentation in the label shows what runs inside what
    ("crm.customer.metrics", "_pass_plan", "_pass_plan (the customers to measure)"),
    ("crm.customer.metrics", "_pass_changed_since", "  _pass_changed_since (written since)"),
    ("crm.customer.metrics", "_pass_calendar_moved", "  _pass_calendar_moved (by the day)"),
    ("crm.customer.metrics", "_pass_aging", "  _pass_aging (open receivables, older)"),
    ("crm.customer.metrics", "_pass_older_customers", "  _pass_older_customers (a month more)"),
    ("crm.customer.metrics", "_measure", "_measure (SQL aggregate and upsert, per kind)"),
    ("crm.customer.metrics", "_ranks", "_ranks (ABC and pyramid)"),
    ("crm.customer.metrics", "_pass_with_rank_changes", "_pass_with_rank_changes"),
    ("crm.customer.metrics", "_pass_batch_safely", "_pass_batch_safely (per batch)"),
    ("crm.customer.metrics", "_pass_apply", "  _pass_apply"),
    ("crm.customer.metrics", "_measured", "    _measured (read the batch's rows)"),
    ("crm.customer.wallet", "_current_shares", "    crm.customer.wallet._current_shares"),
    ("crm.customer.wallet", "_sales_in_periods", "      _sales_in_periods (compute)"),
    ("res.partner", "_relationship_changes", "    _relationship_changes"),
    ("res.partner", "_credit_changes", "    _credit_changes"),
    ("res.partner", "_odoo_signals", "      _odoo_signals (Odoo's fields, any caller)"),
    ("res.partner", "_credit_inputs", "      _credit_inputs (evaluation lines)"),
    ("res.partner", "_credit_values", "      _credit_values (per customer)"),
    ("res.partner", "_explain_credit", "      _explain_credit (per customer)"),
    ("res.partner", "_apply_decisions", "    _apply_decisions"),
    ("res.partner", "_decision_reason", "      _decision_reason (per change)"),
    ("res.partner", "_log_stage_history", "      _log_stage_history (SQL, any caller)"),
    ("res.partner", "_move_stages", "      _move_stages (bulk, any caller)"),
    ("res.partner", "_message_log_batch", "        _message_log_batch (any caller)"),
    ("res.partner", "_schedule_stage_activities", "        _schedule_stage_activities"),
    ("res.partner", "_propose_stages", "      _propose_stages (bulk)"),
    ("res.partner", "_log_grade_changes", "    _log_grade_changes"),
    ("res.partner", "_analysis_changes", "    _analysis_changes"),
    ("res.partner", "_tier_churn_rates", "      _tier_churn_rates (any caller)"),
    ("crm.customer.partial.churn", "_record_partial_churn", "    _record_partial_churn"),
    (
        "crm.customer.metrics",
        "_pass_apply_credit",
        "  _pass_apply_credit (credit alone; its steps count above)",
    ),
    ("ir.cron", "_commit_progress", "_commit_progress (commit)"),
    ("res.partner", "_write_changed", "res.partner._write_changed (bulk UPDATE, any caller)"),
]
STEP_LABELS = {method: lbl for _model, method, lbl in STEPS}
# method -> what its call is about, whose length the step table's "customers" counts
COUNTED = {
    "_pass_plan": lambda args, result: result[0],
    "_pass_changed_since": lambda args, result: result,
    "_pass_calendar_moved": lambda args, result: result,
    "_pass_aging": lambda args, result: result,
    "_pass_older_customers": lambda args, result: result,
    "_measure": lambda args, result: args[0],
    "_pass_with_rank_changes": lambda args, result: result,
    "_pass_batch_safely": lambda args, result: args[0],
    "_pass_apply": lambda args, result: args[0],
    "_pass_apply_credit": lambda args, result: args[0],
}


# Synthetic data -------------------------------------------------------------------------


def clone_sql(cr, table, overrides, source, template_alias="t"):
    """INSERT INTO table SELECT <template row's columns, some replaced> FROM source.

    Copying a row the ORM wrote keeps every column the ORM fills (stored computed fields,
    defaults) without listing them; ``overrides`` maps columns to SQL expressions.
    """
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    columns = [name for (name,) in cr.fetchall()]
    unknown = set(overrides) - set(columns)
    if unknown:
        raise RuntimeError(f"{table} has no column {sorted(unknown)}")
    values = [overrides.get(name, f'{template_alias}."{name}"') for name in columns]
    return "INSERT INTO {} ({}) SELECT {} {}".format(
        table, ", ".join(f'"{name}"' for name in columns), ", ".join(values), source
    )


def next_id(cr, table):
    cr.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
    return cr.fetchone()[0]


def sync_sequence(cr, table):
    cr.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
    )


def ensure_chart(env):
    company = env.company
    if not company.chart_template:
        say("the company has no chart of accounts: loading generic_coa")
        env["account.chart.template"].try_loading(
            "generic_coa", company=company, install_demo=False
        )
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    if not journal or not journal.default_account_id:
        raise RuntimeError("no sale journal with an income account after loading the chart")
    return journal


def make_reps(env):
    """The sales reps who own the customers, with the access of the addon's reps."""
    from odoo import Command

    groups = env.ref("sales_team.group_sale_salesman") | env.ref(
        "crm_customer_mgmt.group_customer_mgmt_user"
    )
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Bench Rep {number:02d}",
                    "login": f"bench.rep{number:02d}",
                    "email": f"rep{number:02d}@bench.example.com",
                    "group_ids": [Command.set(groups.ids)],
                }
                for number in range(1, REPS + 1)
            ]
        )
    )


def make_templates(env, today):
    """Products, and a customer, an invoice and its payment made by the ORM, to clone."""
    from odoo import Command

    products = env["product.product"]
    for number in range(1, CATEGORIES + 1):
        category = env["product.category"].create({"name": f"Bench category {number}"})
        products |= env["product.product"].create(
            [
                {
                    "name": f"Bench product {number}.{index}",
                    "categ_id": category.id,
                    "type": "consu",
                    "list_price": 10.0 * index,
                    "standard_price": 6.5 * index,
                    "taxes_id": [Command.clear()],
                }
                for index in range(1, PRODUCTS_PER_CATEGORY + 1)
            ]
        )
    partner = env["res.partner"].create(
        {"name": "Bench template customer", "is_company": True, "customer_rank": 1}
    )
    # an order line per product, keeping a cost (sale_margin) other than the product's:
    # half the invoice lines are linked to them, as if invoiced from orders
    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "purchase_price": product.standard_price * 0.9,
                        "tax_ids": [Command.clear()],
                    }
                )
                for product in products
            ],
        }
    )
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today,
            "invoice_line_ids": [
                Command.create(
                    {
                        "product_id": products[0].id,
                        "quantity": 1,
                        "price_unit": 100.0,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    invoice.action_post()
    payment = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"payment_date": today})
        ._create_payments()
    )
    env.flush_all()
    receivable = "asset_receivable"
    lines = invoice.line_ids
    paid_lines = payment.move_id.line_ids
    template = {
        "partner": partner.id,
        "order_lines": order.order_line.sorted(
            lambda line: products.ids.index(line.product_id.id)
        ).ids,
        "invoice": invoice.id,
        "product_line": lines.filtered(lambda aml: aml.display_type == "product").id,
        "receivable_line": lines.filtered(
            lambda aml: aml.account_id.account_type == receivable
        ).id,
        "payment": payment.id,
        "payment_move": payment.move_id.id,
        "liquidity_line": paid_lines.filtered(
            lambda aml: aml.account_id.account_type != receivable
        ).id,
        "payment_line": paid_lines.filtered(
            lambda aml: aml.account_id.account_type == receivable
        ).id,
    }
    env.cr.execute(
        "SELECT id, full_reconcile_id FROM account_partial_reconcile WHERE debit_move_id = %s",
        [template["receivable_line"]],
    )
    template["partial"], template["full_reconcile"] = env.cr.fetchone()
    return products, template


def drop_indexes(cr, tables):
    """Drop the indexes no constraint needs; rebuilding them after a bulk load is far faster."""
    cr.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
             FROM pg_index i
            WHERE i.indrelid = ANY(%s::regclass[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        [tables],
    )
    indexes = cr.fetchall()
    for name, _definition in indexes:
        cr.execute(f"DROP INDEX {name}")
    return indexes


def restore_indexes(cr, indexes):
    cr.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in indexes:
        cr.execute(definition)


BENCH_TABLES = ["account_move", "account_move_line", "account_partial_reconcile"]


def load(env, customers, lines, today, messages=0):
    """Customers, posted invoices, refunds and payments, wallet estimates; returns counts."""
    cr = env.cr
    fk_checks = "off"
    try:  # no foreign key triggers during the load: the generator keeps the references right
        with cr.savepoint():
            cr.execute("SET LOCAL session_replication_role = replica")
    except Exception:  # noqa: BLE001 - needs a superuser; the load is only slower without
        fk_checks = "on"
    journal = ensure_chart(env)
    products, template = make_templates(env, today)
    reps = make_reps(env)
    company = env.company.id
    active = max(1, customers - int(customers * NEVER_BOUGHT))  # customers 0..active-1 buy
    moves = min(lines, max(1, math.ceil(lines / LINES_PER_INVOICE)))
    params = {
        **template,
        "N": customers,
        "M": lines,
        "today": today,
        "A": active,
        "K": moves,
        "products": products.ids,
        "names": [product.name for product in products],
        "P": len(products),
        "company": company,
        "days": DAYS,
        "reps": reps.ids,
        "R": len(reps),
    }
    cr.execute("SELECT setseed(0.42)")

    # Customers: companies, customer_rank 1, ids p0+1 .. p0+N, owned by the reps but for
    # one in ten, whose activities go to the administrator.
    started = clock()
    params["p0"] = next_id(cr, "res_partner")
    cr.execute(
        clone_sql(
            cr,
            "res_partner",
            {
                "id": "%(p0)s + 1 + c",
                "name": "'Bench Customer ' || lpad(c::text, 6, '0')",
                "complete_name": "'Bench Customer ' || lpad(c::text, 6, '0')",
                "commercial_company_name": "'Bench Customer ' || lpad(c::text, 6, '0')",
                "commercial_partner_id": "%(p0)s + 1 + c",
                "ref": "'B' || c",
                "email": "'customer' || c || '@bench.example.com'",
                "user_id": "CASE WHEN c %% 10 = 9 THEN NULL ELSE (%(reps)s)[1 + c %% %(R)s] END",
                "card_owner_id": "CASE WHEN c %% 10 = 9 THEN NULL"
                " ELSE (%(reps)s)[1 + c %% %(R)s] END",
                "create_date": "now() - interval '3 years'",
                "write_date": "now() - interval '3 years'",
            },
            "FROM res_partner t, generate_series(0, %(N)s - 1) c WHERE t.id = %(partner)s",
        ),
        params,
    )
    sync_sequence(cr, "res_partner")
    cr.execute("UPDATE res_partner SET active = FALSE WHERE id = %(partner)s", params)
    say(f"  {customers:,} customers in {clock() - started:.1f} s")

    # The plan, in temporary tables. Invoice k belongs to customer c = k % A, its j-th of n
    # invoices, spread evenly over two years; one customer in ten stopped buying 200 to 700
    # days ago; 5% are refunds. Amounts scale with a Pareto-like customer size, so ABC
    # classes and tiers spread. Invoices are due after 30 days and paid late by a
    # customer-specific number of days; one customer in twenty leaves a third unpaid.
    # Refunds older than 60 days are applied (reconciled), newer ones still open.
    started = clock()
    cr.execute(
        """
        CREATE TEMP TABLE bench_move ON COMMIT DROP AS
        SELECT k, c, date, refund,
               CASE WHEN refund THEN date < %(today)s::date - 60
                    ELSE date + 30 + late <= %(today)s::date
                         AND NOT (c %% 20 = 7 AND random() < 0.33) END AS settled,
               date + 30 + late AS pay_date
          FROM (SELECT k, c, refund,
                       %(today)s::date
                       - (lapse + floor((j + random()) * (%(days)s - lapse) / n))::int AS date,
                       (-5 + 60 * power(((c::bigint * 2246822519) %% 1000) / 1000.0, 4)
                        + floor(random() * 10))::int AS late
                  FROM (SELECT k, c, k / %(A)s AS j, random() < 0.05 AS refund,
                               %(K)s / %(A)s + CASE WHEN c < %(K)s %% %(A)s THEN 1 ELSE 0 END
                                   AS n,
                               CASE WHEN c %% 10 = 3 THEN 200 + (c::bigint * 7919) %% 500
                                    ELSE 0 END AS lapse
                          FROM (SELECT k, k %% %(A)s AS c
                                  FROM generate_series(0, %(K)s - 1) k) s) s) s;
        CREATE TEMP TABLE bench_line ON COMMIT DROP AS
        SELECT l, k, qty, product,
               round((price * CASE WHEN refund THEN 0.3 ELSE 1 END)::numeric, 2) AS price_unit
          FROM (SELECT l, s.k, 1 + floor(random() * 10)::int AS qty, m.refund,
                       power(1 - ((m.c::bigint * 2654435761) %% 1000003) / 1000003.0 * 0.998, -0.8)
                           * (20 + random() * 480) AS price,
                       1 + CASE WHEN r < 0.8 THEN (m.c * 5 + floor(r / 0.8 * 6)::int) %% %(P)s
                                ELSE floor((r - 0.8) / 0.2 * %(P)s)::int %% %(P)s END AS product
                  FROM (SELECT l, (l::bigint * %(K)s / %(M)s)::int AS k, random() AS r
                          FROM generate_series(0, %(M)s - 1) l) s
                  JOIN bench_move m ON m.k = s.k) s;
        ALTER TABLE bench_move ADD COLUMN amount numeric;
        UPDATE bench_move b SET amount = a.amount
          FROM (SELECT k, SUM(price_unit * qty) AS amount FROM bench_line GROUP BY k) a
         WHERE a.k = b.k;
        CREATE TEMP TABLE bench_pay ON COMMIT DROP AS
        SELECT k, (row_number() OVER (ORDER BY k))::int - 1 AS q
          FROM bench_move WHERE settled AND NOT refund;
        CREATE INDEX ON bench_move (k);
        CREATE INDEX ON bench_pay (k);
        ANALYZE bench_move;
        ANALYZE bench_line;
        ANALYZE bench_pay;
        """,
        params,
    )
    cr.execute("SELECT COUNT(*) FROM bench_pay")
    payments = cr.fetchone()[0]
    say(f"  plan of {moves:,} invoices, {payments:,} payments in {clock() - started:.1f} s")

    started = clock()
    indexes = drop_indexes(cr, BENCH_TABLES)
    for table in ("account_move", "account_move_line", "account_partial_reconcile"):
        params[table] = next_id(cr, table)
    m0, l0 = params["account_move"], params["account_move_line"]
    params["pm0"] = m0 + moves  # payment moves follow the invoices
    params["r0"] = l0 + lines  # receivable lines of the invoices follow the product lines
    params["pl0"] = l0 + lines + moves  # then the payments' liquidity and receivable lines
    signed = "CASE WHEN b.refund THEN -b.amount ELSE b.amount END"
    name = "CASE WHEN b.refund THEN 'RINV/BENCH/' ELSE 'INV/BENCH/' END || lpad(b.k::text, 7, '0')"
    open_ = "CASE WHEN b.settled THEN 0 ELSE 1 END"
    cr.execute(
        clone_sql(
            cr,
            "account_move",
            {
                "id": "%(account_move)s + b.k",
                "name": name,
                "sequence_prefix": "CASE WHEN b.refund THEN 'RINV/BENCH/' ELSE 'INV/BENCH/' END",
                "sequence_number": "b.k + 1",
                "move_type": "CASE WHEN b.refund THEN 'out_refund' ELSE 'out_invoice' END",
                "partner_id": "%(p0)s + 1 + b.c",
                "commercial_partner_id": "%(p0)s + 1 + b.c",
                "partner_shipping_id": "%(p0)s + 1 + b.c",
                "invoice_partner_display_name": "'Bench Customer ' || lpad(b.c::text, 6, '0')",
                "date": "b.date",
                "invoice_date": "b.date",
                "invoice_date_due": "b.date + 30",
                "payment_reference": name,
                "payment_state": "CASE WHEN b.settled THEN 'paid' ELSE 'not_paid' END",
                "amount_untaxed": "b.amount",
                "amount_tax": "0",
                "amount_total": "b.amount",
                "amount_residual": f"b.amount * {open_}",
                "amount_untaxed_signed": signed,
                "amount_untaxed_in_currency_signed": signed,
                "amount_tax_signed": "0",
                "amount_total_signed": signed,
                "amount_total_in_currency_signed": signed,
                "amount_residual_signed": f"{signed} * {open_}",
                "access_token": "NULL",
                "inalterable_hash": "NULL",
                "secure_sequence_number": "NULL",
                "message_main_attachment_id": "NULL",
                "create_date": "b.date::timestamp",
                "write_date": "b.date::timestamp",
            },
            "FROM bench_move b CROSS JOIN account_move t WHERE t.id = %(invoice)s",
        ),
        params,
    )
    balance = "CASE WHEN b.refund THEN 1 ELSE -1 END * l.price_unit * l.qty"
    cr.execute(
        clone_sql(
            cr,
            "account_move_line",
            product_line_columns(name, "%(p0)s + 1 + b.c", "b.date", balance, "b.date::timestamp"),
            """FROM bench_line l JOIN bench_move b ON b.k = l.k
               CROSS JOIN account_move_line t WHERE t.id = %(product_line)s""",
        ),
        params,
    )
    cr.execute(
        """INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id)
           SELECT %(account_move_line)s + l.l, (%(order_lines)s::int[])[l.product]
             FROM bench_line l WHERE l.l %% 2 = 0""",
        params,
    )
    say(f"  {moves:,} invoices, {lines:,} product lines in {clock() - started:.1f} s")

    started = clock()
    receivable = "CASE WHEN b.refund THEN -b.amount ELSE b.amount END"
    cr.execute(
        clone_sql(
            cr,
            "account_move_line",
            {
                "id": "%(r0)s + b.k",
                "move_id": "%(account_move)s + b.k",
                "move_name": name,
                "name": name,
                "partner_id": "%(p0)s + 1 + b.c",
                "date": "b.date",
                "invoice_date": "b.date",
                "date_maturity": "b.date + 30",
                "balance": receivable,
                "amount_currency": receivable,
                "debit": f"GREATEST({receivable}, 0)",
                "credit": f"GREATEST(-({receivable}), 0)",
                "price_unit": "-" + receivable,
                "price_subtotal": "-" + receivable,
                "price_total": "-" + receivable,
                "amount_residual": f"{receivable} * {open_}",
                "amount_residual_currency": f"{receivable} * {open_}",
                "reconciled": "b.settled",
                "matching_number": "CASE WHEN b.settled THEN 'P' || b.k END",
                "full_reconcile_id": "NULL",
                "create_date": "b.date::timestamp",
                "write_date": "b.date::timestamp",
            },
            "FROM bench_move b CROSS JOIN account_move_line t WHERE t.id = %(receivable_line)s",
        ),
        params,
    )
    cr.execute(
        clone_sql(
            cr,
            "account_move",
            {
                "id": "%(pm0)s + p.q",
                "name": "'PBNK/BENCH/' || lpad(p.q::text, 7, '0')",
                "sequence_prefix": "'PBNK/BENCH/'",
                "sequence_number": "p.q + 1",
                "partner_id": "%(p0)s + 1 + b.c",
                "commercial_partner_id": "%(p0)s + 1 + b.c",
                "date": "b.pay_date",
                "amount_untaxed": "0",
                "amount_total": "b.amount",
                "amount_untaxed_signed": "0",
                "amount_total_signed": "b.amount",
                "amount_total_in_currency_signed": "b.amount",
                "origin_payment_id": "NULL",
                "access_token": "NULL",
                "inalterable_hash": "NULL",
                "secure_sequence_number": "NULL",
                "create_date": "b.pay_date::timestamp",
                "write_date": "b.pay_date::timestamp",
            },
            """FROM bench_pay p JOIN bench_move b ON b.k = p.k
               CROSS JOIN account_move t WHERE t.id = %(payment_move)s""",
        ),
        params,
    )
    for offset, template_line, sign, reconciled in (
        (0, "liquidity_line", 1, "t.reconciled"),
        (payments, "payment_line", -1, "TRUE"),
    ):
        amount = f"{sign} * b.amount"
        cr.execute(
            clone_sql(
                cr,
                "account_move_line",
                {
                    "id": f"%(pl0)s + {offset} + p.q",
                    "move_id": "%(pm0)s + p.q",
                    "move_name": "'PBNK/BENCH/' || lpad(p.q::text, 7, '0')",
                    "name": "'Payment: ' || " + name,
                    "partner_id": "%(p0)s + 1 + b.c",
                    "date": "b.pay_date",
                    "date_maturity": "b.pay_date",
                    "balance": amount,
                    "amount_currency": amount,
                    "debit": f"GREATEST({amount}, 0)",
                    "credit": f"GREATEST(-({amount}), 0)",
                    "price_unit": amount,
                    "price_subtotal": amount,
                    "price_total": amount,
                    "amount_residual": "0",
                    "amount_residual_currency": "0",
                    "reconciled": reconciled,
                    "matching_number": f"CASE WHEN {reconciled} THEN 'P' || b.k END",
                    "full_reconcile_id": "NULL",
                    "payment_id": "NULL",
                    "create_date": "b.pay_date::timestamp",
                    "write_date": "b.pay_date::timestamp",
                },
                f"""FROM bench_pay p JOIN bench_move b ON b.k = p.k
                    CROSS JOIN account_move_line t WHERE t.id = %({template_line})s""",
            ),
            params,
        )
    cr.execute(
        clone_sql(
            cr,
            "account_partial_reconcile",
            {
                "id": "%(account_partial_reconcile)s + p.q",
                "debit_move_id": "%(r0)s + b.k",
                "credit_move_id": f"%(pl0)s + {payments} + p.q",
                "amount": "b.amount",
                "debit_amount_currency": "b.amount",
                "credit_amount_currency": "b.amount",
                "max_date": "b.pay_date",
                "full_reconcile_id": "NULL",
                "create_date": "b.pay_date::timestamp",
                "write_date": "b.pay_date::timestamp",
            },
            """FROM bench_pay p JOIN bench_move b ON b.k = p.k
               CROSS JOIN account_partial_reconcile t WHERE t.id = %(partial)s""",
        ),
        params,
    )
    for table in BENCH_TABLES:
        sync_sequence(cr, table)
    say(
        f"  {moves:,} receivable lines, {payments:,} payments (2 lines and a reconciliation"
        f" each) in {clock() - started:.1f} s"
    )
    started = clock()
    restore_indexes(cr, indexes)
    say(f"  {len(indexes)} indexes rebuilt in {clock() - started:.1f} s")
    # The ORM-made templates go, with foreign keys back on so that what refers to them goes too.
    cr.execute("SET LOCAL session_replication_role = DEFAULT")
    cr.execute("DELETE FROM account_partial_reconcile WHERE id = %(partial)s", params)
    cr.execute("DELETE FROM account_full_reconcile WHERE id = %(full_reconcile)s", params)
    cr.execute("DELETE FROM account_payment WHERE id = %(payment)s", params)
    cr.execute("DELETE FROM account_move WHERE id IN (%(invoice)s, %(payment_move)s)", params)

    # Wallet estimates for one customer in five, covering today; the customer's total spend
    # is set from our sales over the period so shares land in every stage's band.
    started = clock()
    cr.execute(
        """
        INSERT INTO crm_customer_wallet (partner_id, company_id, date_from, date_to, total_spend,
                                         note, create_uid, write_uid, create_date, write_date)
        SELECT w.id, %(company)s, %(today)s::date - 364, %(today)s::date + 365,
               CASE WHEN s.sales > 0 THEN round(s.sales * 100 / w.share, 2) ELSE 10000 END,
               'bench estimate', 1, 1, now(), now()
          FROM (SELECT %(p0)s + 1 + c AS id,
                       CASE WHEN v < 0.55 THEN 2 + v / 0.55 * 27
                            WHEN v < 0.80 THEN 31 + (v - 0.55) / 0.25 * 18
                            WHEN v < 0.95 THEN 51 + (v - 0.80) / 0.15 * 48
                            ELSE 101 + (v - 0.95) / 0.05 * 30 END::numeric AS share
                  FROM (SELECT c, ((c::bigint * 40503) %% 1000) / 1000.0 AS v
                          FROM generate_series(0, %(N)s - 1) c WHERE c %% 5 = 1) s) w
     LEFT JOIN (SELECT %(p0)s + 1 + b.c AS partner_id,
                       SUM(CASE WHEN b.refund THEN -b.amount ELSE b.amount END) AS sales
                  FROM bench_move b
                 WHERE b.date BETWEEN %(today)s::date - 364 AND %(today)s
              GROUP BY b.c) s ON s.partner_id = w.id
        """,
        params,
    )
    wallets = cr.rowcount
    say(f"  {wallets:,} wallet estimates in {clock() - started:.1f} s")

    # Contacts over the last year, spread over the customers: nine in ten done activities
    # of the types counted as T, E and M in their chatters, one in ten an email received.
    started = clock()
    cr.execute(
        "SELECT ARRAY_AGG(id ORDER BY id) FROM mail_activity_type"
        " WHERE crm_contact_kind IS NOT NULL"
    )
    params["kinds"] = cr.fetchone()[0]
    params["X"] = messages
    cr.execute(
        """
        INSERT INTO mail_message (model, res_id, message_type, mail_activity_type_id, author_id,
                                  body, date, create_uid, write_uid, create_date, write_date)
        SELECT 'res.partner', p.id,
               CASE WHEN p.email THEN 'email' ELSE 'notification' END,
               CASE WHEN NOT p.email
                    THEN (%(kinds)s::int[])[1 + m %% cardinality(%(kinds)s::int[])] END,
               CASE WHEN p.email THEN p.id END,
               '<p>bench contact</p>', p.day + time '09:00', 1, 1, p.day, p.day
          FROM (SELECT m, %(p0)s + 1 + (m::bigint * 7919) %% %(N)s AS id, m %% 10 = 0 AS email,
                       %(today)s::date - ((m::bigint * 31) %% 365)::int AS day
                  FROM generate_series(0, %(X)s - 1) m) p
        """,
        params,
    )
    contacts = cr.rowcount
    say(f"  {contacts:,} contact messages in {clock() - started:.1f} s")
    cr.execute("SELECT COUNT(*) FROM account_move_line")
    all_lines = cr.fetchone()[0]
    return {
        "moves": moves,
        "payments": payments,
        "wallets": wallets,
        "contacts": contacts,
        "journal": journal.code,
        "journal_id": journal.id,
        "all_lines": all_lines,
        "fk_checks": fk_checks,
        "reps": len(reps),
        "p0": params["p0"],
    }


def product_line_columns(name, partner, day, balance, stamp):
    """The columns of the cloned product lines ``l`` (see clone_sql) of invoices ``name``."""
    return {
        "id": "%(account_move_line)s + l.l",
        "move_id": "%(account_move)s + l.k",
        "move_name": name,
        "partner_id": partner,
        "product_id": "(%(products)s::int[])[l.product]",
        "name": "(%(names)s::text[])[l.product]",
        "date": day,
        "invoice_date": day,
        "quantity": "l.qty",
        "price_unit": "l.price_unit",
        "price_subtotal": "l.price_unit * l.qty",
        "price_total": "l.price_unit * l.qty",
        "balance": balance,
        "amount_currency": balance,
        "debit": f"GREATEST({balance}, 0)",
        "credit": f"GREATEST(-({balance}), 0)",
        "create_date": stamp,
        "write_date": stamp,
    }


def age_writes(cr, since, until, keep):
    """Date a day back what was written from ``since`` (the mark of the last full pass) until
    that pass started: the load and the first placement, done minutes before it here, a night
    before it in use; the next pass would take them for changes (and the first placement's
    stage moves for moves of the last pass). Not the tables of ``keep`` (the pass's settings:
    their last write is part of its fingerprint)."""
    cr.execute(
        """SELECT c.table_name FROM information_schema.columns c
             JOIN information_schema.tables t
               ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE c.table_schema = current_schema() AND c.column_name = 'write_date'
              AND t.table_type = 'BASE TABLE' AND NOT c.table_name = ANY(%s)
         ORDER BY c.table_name""",
        [list(keep)],
    )
    rows = 0
    for (table,) in cr.fetchall():
        cr.execute(
            f"UPDATE \"{table}\" SET write_date = write_date - interval '1 day'"
            " WHERE write_date >= %s AND write_date < %s",
            [since, until],
        )
        rows += cr.rowcount
    # the first placement's stage moves, dated by it: a night before the full pass in use
    cr.execute(
        "UPDATE crm_customer_stage_history SET date = date - 1 WHERE create_date < %s", [until]
    )
    return rows + cr.rowcount


def add_quiet_documents(cr, loaded, customers, day):
    """A posted invoice of QUIET_LINES product lines dated ``day``, still open, for one bench
    customer in QUIET_SHARE, cloned from a bench invoice with raw SQL as load() does, written
    now; returns the number of invoices."""
    params = {"p0": loaded["p0"], "N": customers, "day": day, "share": QUIET_SHARE}
    cr.execute(
        """SELECT am.id,
                  MIN(aml.id) FILTER (WHERE aml.display_type = 'product'),
                  MIN(aml.id) FILTER (WHERE aml.display_type = 'payment_term')
             FROM account_move am JOIN account_move_line aml ON aml.move_id = am.id
            WHERE am.move_type = 'out_invoice' AND am.name LIKE 'INV/BENCH/%%'
         GROUP BY am.id ORDER BY am.id LIMIT 1"""
    )
    params["invoice"], params["product_line"], params["receivable_line"] = cr.fetchone()
    cr.execute(
        """SELECT pp.id, pt.name->>'en_US' FROM product_product pp
             JOIN product_template pt ON pt.id = pp.product_tmpl_id
            WHERE pt.name->>'en_US' LIKE 'Bench product %%' ORDER BY pp.id"""
    )
    params["products"], params["names"] = (
        list(column) for column in zip(*cr.fetchall(), strict=True)
    )
    params["P"] = len(params["products"])
    params["L"] = QUIET_LINES
    cr.execute(
        """
        CREATE TEMP TABLE quiet_move ON COMMIT DROP AS
        SELECT (row_number() OVER (ORDER BY p.id))::int - 1 AS k, p.id AS partner_id, p.name
          FROM res_partner p
         WHERE p.id BETWEEN %(p0)s + 1 AND %(p0)s + %(N)s
           AND (p.id - %(p0)s - 1) %% %(share)s = 7;
        CREATE TEMP TABLE quiet_line ON COMMIT DROP AS
        SELECT m.k * %(L)s + j AS l, m.k, 1 + (m.k + j) %% 5 AS qty,
               1 + (m.k * 7 + j * 3) %% %(P)s AS product,
               (40 + 15 * j + m.k %% 20)::numeric AS price_unit
          FROM quiet_move m, generate_series(0, %(L)s - 1) j;
        ALTER TABLE quiet_move ADD COLUMN amount numeric;
        UPDATE quiet_move m SET amount = s.amount
          FROM (SELECT k, SUM(qty * price_unit) AS amount FROM quiet_line GROUP BY k) s
         WHERE s.k = m.k;
        """,
        params,
    )
    for table in ("account_move", "account_move_line"):
        params[table] = next_id(cr, table)
    cr.execute("SELECT COUNT(*) FROM quiet_move")
    moves = cr.fetchone()[0]
    params["r0"] = params["account_move_line"] + moves * QUIET_LINES
    name = "'INV/QUIET/' || lpad(m.k::text, 7, '0')"
    cr.execute(
        clone_sql(
            cr,
            "account_move",
            {
                "id": "%(account_move)s + m.k",
                "name": name,
                "sequence_prefix": "'INV/QUIET/'",
                "sequence_number": "m.k + 1",
                "partner_id": "m.partner_id",
                "commercial_partner_id": "m.partner_id",
                "partner_shipping_id": "m.partner_id",
                "invoice_partner_display_name": "m.name",
                "date": "%(day)s",
                "invoice_date": "%(day)s",
                "invoice_date_due": "%(day)s::date + 30",
                "payment_reference": name,
                "payment_state": "'not_paid'",
                "amount_untaxed": "m.amount",
                "amount_tax": "0",
                "amount_total": "m.amount",
                "amount_residual": "m.amount",
                "amount_untaxed_signed": "m.amount",
                "amount_untaxed_in_currency_signed": "m.amount",
                "amount_tax_signed": "0",
                "amount_total_signed": "m.amount",
                "amount_total_in_currency_signed": "m.amount",
                "amount_residual_signed": "m.amount",
                "access_token": "NULL",
                "inalterable_hash": "NULL",
                "secure_sequence_number": "NULL",
                "message_main_attachment_id": "NULL",
                "create_date": "now()",
                "write_date": "now()",
            },
            "FROM quiet_move m CROSS JOIN account_move t WHERE t.id = %(invoice)s",
        ),
        params,
    )
    balance = "-l.price_unit * l.qty"
    cr.execute(
        clone_sql(
            cr,
            "account_move_line",
            product_line_columns(name, "m.partner_id", "%(day)s", balance, "now()"),
            """FROM quiet_line l JOIN quiet_move m ON m.k = l.k
               CROSS JOIN account_move_line t WHERE t.id = %(product_line)s""",
        ),
        params,
    )
    cr.execute(
        clone_sql(
            cr,
            "account_move_line",
            {
                "id": "%(r0)s + m.k",
                "move_id": "%(account_move)s + m.k",
                "move_name": name,
                "name": name,
                "partner_id": "m.partner_id",
                "date": "%(day)s",
                "invoice_date": "%(day)s",
                "date_maturity": "%(day)s::date + 30",
                "balance": "m.amount",
                "amount_currency": "m.amount",
                "debit": "m.amount",
                "credit": "0",
                "price_unit": "-m.amount",
                "price_subtotal": "-m.amount",
                "price_total": "-m.amount",
                "amount_residual": "m.amount",
                "amount_residual_currency": "m.amount",
                "reconciled": "FALSE",
                "matching_number": "NULL",
                "full_reconcile_id": "NULL",
                "create_date": "now()",
                "write_date": "now()",
            },
            "FROM quiet_move m CROSS JOIN account_move_line t WHERE t.id = %(receivable_line)s",
        ),
        params,
    )
    for table in ("account_move", "account_move_line"):
        sync_sequence(cr, table)
    return moves


# The measurements -----------------------------------------------------------------------


def vacuum_analyze(database):
    """As autovacuum would have left a nightly database; VACUUM needs its own connection."""
    import psycopg2

    from odoo.sql_db import connection_info_for

    _name, info = connection_info_for(database)
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            cr.execute("VACUUM ANALYZE")
    finally:
        connection.close()


def floor_seconds(cr, journal_id):
    """The median of FLOOR_RUNS warm runs (after a cold one) and the number of groups: a
    single run is noisy (0.74 s and 1.06 s on two loads of the same size)."""
    timings = []
    for _run in range(FLOOR_RUNS + 1):
        started = clock()
        cr.execute(FLOOR_SQL, [journal_id])
        cr.fetchall()
        timings.append(clock() - started)
    return statistics.median(timings[1:]), cr.rowcount


def counts(cr):
    cr.execute(
        """SELECT (SELECT COALESCE(MAX(id), 0) FROM crm_customer_stage_history),
                  (SELECT COALESCE(MAX(id), 0) FROM mail_message),
                  (SELECT COALESCE(MAX(id), 0) FROM mail_activity)"""
    )
    return cr.fetchone()


def outcome(cr, before):
    history, message, activity = before
    cr.execute(
        "SELECT change, COUNT(*) FROM crm_customer_stage_history WHERE id > %s"
        " GROUP BY change ORDER BY change",
        [history],
    )
    changes = dict(cr.fetchall())
    cr.execute(
        "SELECT (SELECT COUNT(*) FROM mail_message WHERE id > %s AND model = 'res.partner'),"
        "       (SELECT COUNT(*) FROM mail_activity WHERE id > %s)",
        [message, activity],
    )
    messages, activities = cr.fetchone()
    return changes, messages, activities


def stage_spread(cr):
    company = str(main_company(cr))
    cr.execute(
        """SELECT COALESCE(s.name->>'en_US', '(none)'), COUNT(*)
             FROM res_partner p
             LEFT JOIN crm_customer_stage s ON s.id = (p.customer_stage_id->>%s)::int
            WHERE p.name LIKE 'Bench Customer %%' GROUP BY 1 ORDER BY 2 DESC""",
        [company],
    )
    spread = ", ".join(f"{name} {count:,}" for name, count in cr.fetchall())
    cr.execute(
        "SELECT COUNT(*) FROM res_partner WHERE stage_proposed_id->>%s IS NOT NULL", [company]
    )
    return spread + f"; proposed {cr.fetchone()[0]:,}"


def main_company(cr):
    """The company the bench's customers trade with (the superuser's): the pass's values
    are company-dependent, kept per company in JSON."""
    cr.execute("SELECT company_id FROM res_users WHERE id = 1")
    return cr.fetchone()[0]


def cursor_key(cr):
    return f"{CURSOR_PARAM}.{main_company(cr)}"


def mark_key(cr):
    return f"{MARK_PARAM}.{main_company(cr)}"


def profile_query(_cr, query, _params, _start, delay):
    text = " ".join((query.decode() if isinstance(query, bytes) else str(query)).split())[:110]
    stat = SQL_PROFILE[text]
    stat[0] += 1
    stat[1] += delay


def reset_peak():
    """Reset the process's peak RSS (VmHWM) to its current RSS; False where Linux can't."""
    PEAK_BEFORE_RESET[0] = peak_rss_mb()
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


def peak_since_reset_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return None


def run_pass(registry, number, profile=False, full=True):
    """One run of the cron's pass, explicitly full (``crm_full_pass``) unless ``full`` is
    False: then it is the pass the cron would run, as its mark says."""
    thread = threading.current_thread()
    STATS.clear()
    PROBLEMS.clear()
    SQL_PROFILE.clear()
    for ids in MEASURED.values():
        ids.clear()
    thread.query_hooks = [profile_query] if profile else []
    with registry.cursor() as cr:
        env = new_env(cr)
        env["ir.config_parameter"].set_param(cursor_key(cr), "")
        before = counts(cr)
        cr.execute("SELECT pg_backend_pid(), clock_timestamp() AT TIME ZONE 'UTC'")
        backend, pg_started = cr.fetchone()
        cr.commit()
        gc.collect()
        rss_before = current_rss_mb()
        peak_reset = reset_peak()
        thread.query_count, thread.query_time = 0, 0.0
        FAILURES.clear()
        metrics = env["crm.customer.metrics"]
        if full:
            metrics = metrics.with_context(crm_full_pass=True)
        started = clock()
        try:
            metrics._cron_refresh()
            aborted = None
        except BenchAbort as exc:
            aborted = str(exc)
            cr.rollback()
        seconds = clock() - started
        sql_seconds, queries = thread.query_time, thread.query_count
        cr.commit()
        result = {
            "number": number,
            "seconds": seconds,
            "sql_seconds": sql_seconds,
            "queries": queries,
            "rss_before": rss_before,
            "rss_after": current_rss_mb(),
            "peak": peak_rss_mb(),
            "peak_pass": peak_since_reset_mb() if peak_reset else None,
            "backend_peak": backend_peak_mb(backend),
            "pg_started": pg_started,
            "measured": len(MEASURED["all"]),
            "measured_some": len(MEASURED["some"]),
            "steps": {label: list(stat) for label, stat in STATS.items()},
            "problems": dict(PROBLEMS),
            "aborted": aborted,
            "sql_top": sorted(SQL_PROFILE.items(), key=lambda item: -item[1][1])[:12],
        }
        thread.query_hooks = []
        result["changes"], result["messages"], result["activities"] = outcome(cr, before)
        cr.execute(
            "SELECT COUNT(*), COUNT(DISTINCT abc_class->>%(c)s),"
            " COUNT(DISTINCT value_tier->>%(c)s)"
            " FROM res_partner WHERE abc_class->>%(c)s IS NOT NULL",
            {"c": str(main_company(cr))},
        )
        result["ranked"] = cr.fetchone()
        cr.execute("SELECT COUNT(*) FROM crm_customer_metrics")
        result["metrics_rows"] = cr.fetchone()[0]
        result["spread"] = stage_spread(cr)
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [cursor_key(cr)])
        result["cursor"] = (cr.fetchone() or [None])[0]
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [mark_key(cr)])
        result["mark"] = json.loads((cr.fetchone() or ["null"])[0])
    return result


RULES = 20
RULES_TARGET_SECONDS = 30


def run_rules(registry):
    """Times the warning rules after the pass: the shipped ones plus copies up to RULES."""
    with registry.cursor() as cr:
        env = new_env(cr)
        Rule = env["crm.customer.warning.rule"]
        shipped = Rule.search([("active", "=", True)])
        metrics = list(Rule._warning_metrics())
        extra = [
            {"name": f"Bench rule {n}", "metric": metrics[n % len(metrics)], "threshold": 1}
            for n in range(RULES - len(shipped))
        ]
        Rule.create([values for values in extra if values["metric"] != "card_completeness"])
        rules = Rule.search([("active", "=", True)])
        cr.commit()
        started = clock()
        Rule._cron_evaluate()
        seconds = clock() - started
        cr.execute(
            "SELECT COUNT(*) FILTER (WHERE state = 'open'), COUNT(DISTINCT rule_id)"
            " FROM crm_customer_warning"
        )
        opened, rules_with_warnings = cr.fetchone()
        cr.execute(
            "SELECT COUNT(*) FROM crm_customer_warning_rule WHERE blocked_reason IS NOT NULL"
        )
        capped = cr.fetchone()[0]
        cr.execute("SELECT COUNT(*) FROM crm_customer_warning_rule WHERE last_error IS NOT NULL")
        failed = cr.fetchone()[0]
    print()
    print(
        f"warning rules: {len(rules)} rules over the customers in {seconds:.1f} s;"
        f" {opened:,} warnings open from {rules_with_warnings} rules, {capped} rules stopped at"
        f" their cap, {failed} failed; peak RSS {peak_rss_mb():,.0f} MB"
    )
    print(f"  {verdict(seconds <= RULES_TARGET_SECONDS)}  at most {RULES_TARGET_SECONDS} s")


REFRESH_SAMPLES = 20
REFRESH_TARGET_MS = 200


def run_refresh(registry):
    """Times the card's Refresh (the pass for one customer) as the administrator, on
    customers spread over the whole table, each in a transaction rolled back after."""
    timings = []
    with registry.cursor() as cr:
        env = new_env(cr)
        env = env(user=env.ref("base.user_admin"))
        cr.execute("SELECT id FROM res_partner WHERE name LIKE 'Bench Customer %%' ORDER BY id")
        ids = [row[0] for row in cr.fetchall()]
        step = max(1, len(ids) // REFRESH_SAMPLES)
        for pid in ids[::step][:REFRESH_SAMPLES]:
            partner = env["res.partner"].browse(pid)
            env.invalidate_all()
            started = clock()
            partner.action_refresh_relationship()
            env.flush_all()
            timings.append((clock() - started) * 1000)
            cr.rollback()
    median, worst = statistics.median(timings), max(timings)
    print()
    print(
        f"card Refresh: {len(timings)} customers spread over {len(ids):,}, median"
        f" {median:.0f} ms, slowest {worst:.0f} ms (the first includes warming the caches)"
    )
    print(f"  {verdict(median <= REFRESH_TARGET_MS)}  median at most {REFRESH_TARGET_MS} ms")


BACKTEST_CUSTOMERS = 20_000  # the back-test's target: 12 month-ends of this many customers
BACKTEST_MONTHS = 12
BACKTEST_TARGET_SECONDS = 60
BACKTEST_PERIOD_DAYS = 90
# what the back-test calls, timed; its entry points are generators, timed by their caller
BACKTEST_ENTRIES = [
    ("crm.customer.warning.rule", "_warning_facts_as_of_days"),
    ("crm.customer.metrics", "_measure_as_of_days"),
]
BACKTEST_STEPS = [
    ("crm.customer.warning.rule", "_signals_now", "  _signals_now (partner fields, once)"),
    ("crm.customer.metrics", "_as_of_copies", "  _as_of_copies (the customers' ledger, once)"),
    ("crm.customer.metrics", "_measure_into_temporary_table", "  measuring (one statement a day)"),
    ("crm.customer.metrics", "_measure_as_of_rows", "  _measure_as_of_rows (read them)"),
    ("crm.customer.warning.rule", "_warning_facts_as_of_batch", "  _warning_facts_as_of_batch"),
    ("crm.customer.warning.rule", "_tracked_as_of", "    _tracked_as_of (tracking values)"),
    ("crm.customer.wallet", "_shares", "    crm.customer.wallet._shares"),
    ("crm.customer.warning.rule", "_facts_assemble", "    _facts_assemble (per customer)"),
]


def month_ends(today, months):
    """The last day of each of the ``months`` full months before today, oldest first."""
    first = today.replace(day=1)
    return [first - relativedelta(months=n - 1) - timedelta(days=1) for n in range(months, 0, -1)]


def run_backtest(registry):
    """Times the measures and warning facts of the first BACKTEST_CUSTOMERS customers as of
    each of the last BACKTEST_MONTHS month-ends, as a rule's back-test reads them."""
    from odoo import fields

    for model, method, lbl in BACKTEST_STEPS:
        instrument(registry, model, method, lbl)
    STATS.clear()
    thread = threading.current_thread()
    with registry.cursor() as cr:
        env = new_env(cr)
        today = fields.Date.context_today(env["crm.customer.metrics"])
        days = month_ends(today, BACKTEST_MONTHS)
        customers = env["res.partner"].search(
            env["crm.customer.metrics"]._customer_domain(), order="id", limit=BACKTEST_CUSTOMERS
        )
        cr.commit()
        thread.query_count, thread.query_time = 0, 0.0
        overdue = []
        started = clock()
        for day, facts in env["crm.customer.warning.rule"]._warning_facts_as_of_days(
            customers, BACKTEST_PERIOD_DAYS, days
        ):
            overdue.append(sum(1 for fact in facts.values() if fact["overdue_days"] >= 30))
            say(f"back-test: {day} done at {clock() - started:.1f} s")
        seconds = clock() - started
        cr.rollback()
    print()
    print(
        f"back-test: facts of {len(customers):,} customers as of {len(days)} month-ends"
        f" ({days[0]} to {days[-1]}) in {seconds:.1f} s, SQL {thread.query_time:.1f} s,"
        f" {thread.query_count:,} queries; peak RSS {peak_rss_mb():,.0f} MB"
    )
    print(f"  customers 30+ days overdue at each month-end: {', '.join(map(str, overdue))}")
    for _model, _method, lbl in BACKTEST_STEPS:
        calls, step_seconds, sql, queries, _count = STATS.get(lbl, [0, 0.0, 0.0, 0, 0])
        print(f"  {lbl:<48}{calls:>7,} calls{step_seconds:>9.2f} s{sql:>8.2f} s SQL{queries:>8,}")
    scaled = "" if len(customers) >= BACKTEST_CUSTOMERS else f" (for {BACKTEST_CUSTOMERS:,})"
    print(
        f"  {verdict(seconds <= BACKTEST_TARGET_SECONDS)}  at most {BACKTEST_TARGET_SECONDS} s"
        + scaled
    )


# The quiet night ---------------------------------------------------------------------------


def postgres_execute(*statements):
    """Statements run outside a transaction, connected to the postgres database."""
    import psycopg2

    from odoo.sql_db import connection_info_for

    _name, info = connection_info_for("postgres")
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            for statement in statements:
                cr.execute(statement)
    finally:
        connection.close()


def ident(name):
    return '"{}"'.format(name.replace('"', '""'))


def copy_database(source, target):
    """``target`` as a copy of ``source``, whose connections (the registry's) close first:
    PostgreSQL copies a database nobody is connected to."""
    from odoo import sql_db

    sql_db.close_db(source)
    postgres_execute(
        f"DROP DATABASE IF EXISTS {ident(target)} WITH (FORCE)",
        # a file copy: far faster than the default's, through the WAL, for a large database
        f"CREATE DATABASE {ident(target)} TEMPLATE {ident(source)} STRATEGY FILE_COPY",
    )


def drop_database(name):
    import shutil

    from odoo import sql_db
    from odoo.modules.registry import Registry
    from odoo.tools import config

    Registry.delete(name)
    sql_db.close_db(name)
    postgres_execute(f"DROP DATABASE IF EXISTS {ident(name)} WITH (FORCE)")
    shutil.rmtree(config.filestore(name), ignore_errors=True)


def quiet_floor_seconds(registry, ids):
    """The median of FLOOR_RUNS warm runs of QUIET_FLOOR_SQL over ``ids``."""
    timings = []
    with registry.cursor() as cr:
        for _run in range(FLOOR_RUNS + 1):
            started = clock()
            cr.execute(QUIET_FLOOR_SQL, [ids])
            cr.fetchall()
            timings.append(clock() - started)
        cr.rollback()
    return statistics.median(timings[1:])


def run_quiet_night(args, registry, loaded, today, passes):
    """New invoices for 2 % of the customers, then the next day's pass as the cron runs it
    (incremental), its floor, and a full pass of the same day in a copy to compare with."""
    from freezegun import freeze_time

    last = passes[-1]
    if not last["mark"] or last["aborted"]:
        return {"skipped": "the last full pass kept no mark"}
    day = today + timedelta(days=1)
    night = {"day": day}
    started = clock()
    with registry.cursor() as cr:
        env = new_env(cr)
        metrics = env["crm.customer.metrics"]
        keep = {env[name]._table for name in metrics._pass_config_models()}
        night["aged"] = age_writes(cr, last["mark"]["since"], last["pg_started"], keep)
        night["invoices"] = add_quiet_documents(cr, loaded, args.customers, day)
        cr.commit()
    say(
        f"quiet night: {night['aged']:,} rows written before the last full pass dated a day"
        f" back, {night['invoices']:,} new invoices dated {day}"
        f" in {clock() - started:.1f} s"
    )
    copy = f"{args.database}_full"
    try:
        started = clock()
        copy_database(args.database, copy)
        night["copy_seconds"] = clock() - started
        say(f"quiet night: copied the database to {copy} in {night['copy_seconds']:.1f} s")
        # noon: the same day in any time zone the users' context may carry
        with freeze_time(datetime(day.year, day.month, day.day, 12)):
            say(f"quiet night: crm.customer.metrics._cron_refresh() on {day}")
            try:
                night["pass"] = run_pass(registry, "quiet", args.profile, full=False)
            except Exception as exc:  # noqa: BLE001 - reported, and the rest of the bench runs
                night["error"] = "".join(traceback.format_exception_only(exc)).strip()
                frames = traceback.extract_tb(exc.__traceback__)
                addon = [f for f in frames if f.filename.startswith(f"{ADDON_DIR}{os.sep}")]
                night["error_where"] = (addon or frames)[-1]
                say(f"quiet night: FAILED: {night['error'][:2000]}")
                return night
            ids = sorted({*MEASURED["all"], *MEASURED["some"]})
            say(
                f"quiet night: {night['pass']['seconds']:.1f} s, {len(ids):,} customers"
                f" measured, peak RSS {night['pass']['peak_pass'] or 0:,.0f} MB"
            )
            night["floor"] = quiet_floor_seconds(registry, ids) if ids else None
            night["equality"] = run_equality(args, registry, copy, night)
    finally:
        drop_database(copy)
    return night


def source_breakdown(registry, day):
    """Customers per source of the incremental pass's plan as the quiet night found them:
    read in the copy, taken before it, from the mark of the last full pass."""
    from odoo.tools import SQL

    with registry.cursor() as cr:
        env = new_env(cr)
        metrics = env["crm.customer.metrics"]
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [mark_key(cr)])
        mark = json.loads(cr.fetchone()[0])
        customers = env["res.partner"].search(metrics._customer_domain()).ids
        plan = {
            "written since the last pass": metrics._pass_change_sources(mark["since"]),
            "moved by the day": metrics._pass_calendar_sources(
                customers, date.fromisoformat(mark["day"]), day
            ),
        }
        breakdown = {}
        for kind, sources in plan.items():
            breakdown[kind] = {}
            for name, source in sources.items():
                started = clock()
                count = env.execute_query(
                    SQL(
                        "SELECT COUNT(DISTINCT partner_id) FROM (%s) s WHERE partner_id = ANY(%s)",
                        source,
                        customers,
                    )
                )[0][0]
                breakdown[kind][name] = (count, clock() - started)
        started = clock()
        aging = metrics._pass_aging(customers, date.fromisoformat(mark["day"]), day)
        started_older = clock()
        older = metrics._pass_older_customers(date.fromisoformat(mark["day"]), day)
        breakdown["only their credit (unless measured for the above)"] = {
            "receivable growing older": (len(aging), started_older - started),
            "a month more as customers": (len(older), clock() - started_older),
        }
        cr.rollback()
    return breakdown


def run_equality(args, registry, copy, night):
    """A full pass in the copy, taken before the quiet night, on the same (frozen) day; then
    what both passes wrote, compared."""
    from odoo.modules.registry import Registry

    thread = threading.current_thread()
    equality = {}
    started = clock()
    thread.dbname = copy
    try:
        copy_registry = Registry(copy)
        equality["registry_seconds"] = clock() - started
        started = clock()
        night["sources"] = source_breakdown(copy_registry, night["day"])
        say(f"equality: plan's sources counted in {clock() - started:.1f} s")
        say(f"equality: full pass on {copy}")
        equality["pass"] = run_pass(copy_registry, "full on the copy", full=True)
    finally:
        thread.dbname = args.database
    say(f"equality: full pass in {equality['pass']['seconds']:.1f} s; comparing")
    started = clock()
    with registry.cursor() as cr:
        company = main_company(cr)
    equality.update(compare_databases(registry, args.database, copy, company))
    equality["compare_seconds"] = clock() - started
    return equality


# Comparing what the incremental and the full pass wrote


EQUALITY_SKIPPED = {"id", "create_uid", "create_date", "write_uid", "write_date"}


def table_columns(cr, table, skipped=()):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cr.fetchall() if name not in EQUALITY_SKIPPED | set(skipped)]


def equality_queries(registry, company):
    """(table, key columns, value columns, query): each ordered by its keys, a key's rows
    compared as a multiset (the histories keep no order of their own but their ids)."""
    from odoo.addons.crm_customer_mgmt.models.res_partner_security import PASS_OWNED_FIELDS

    def listed(names, alias=None):
        return ", ".join(f'{alias}."{name}"' if alias else f'"{name}"' for name in names)

    queries = []
    with registry.cursor() as cr:
        columns = table_columns(cr, "crm_customer_metrics", ["partner_id", "company_id"])
        queries.append(
            (
                "crm_customer_metrics",
                ["partner_id", "company_id"],
                columns,
                f"SELECT partner_id, company_id, {listed(columns)} FROM crm_customer_metrics"
                " ORDER BY partner_id, company_id",
            )
        )
        Partner = registry["res.partner"]
        fields = sorted(
            name
            for name in PASS_OWNED_FIELDS
            if Partner._fields[name].store and Partner._fields[name].column_type
        )
        values = [
            f"p.\"{name}\" -> '{company}'"
            if Partner._fields[name].company_dependent
            else f'p."{name}"'
            for name in fields
        ]
        queries.append(
            (
                "res_partner",
                ["id"],
                fields,
                f"SELECT p.id, {', '.join(values)} FROM res_partner p ORDER BY p.id",
            )
        )
        for table in ("crm_customer_stage_history", "crm_credit_grade_history"):
            columns = table_columns(cr, table, ["partner_id"])
            queries.append(
                (
                    table,
                    ["partner_id"],
                    columns,
                    f"SELECT partner_id, {listed(columns)} FROM {table} ORDER BY partner_id",
                )
            )
        columns = table_columns(cr, "crm_customer_partial_churn", ["partner_id"])
        queries.append(
            (
                "crm_customer_partial_churn",
                ["partner_id"],
                [*columns, "category_ids"],
                f"SELECT pc.partner_id, {listed(columns, 'pc')},"
                " ARRAY(SELECT r.category_id FROM crm_customer_partial_churn_category_rel r"
                "        WHERE r.partial_churn_id = pc.id ORDER BY 1)"
                " FROM crm_customer_partial_churn pc ORDER BY pc.partner_id",
            )
        )
        cr.rollback()
    return queries


def read_groups(connection, query, keys):
    """(key, rows) of ``query``'s rows by their first ``keys`` columns, read in chunks."""
    with connection.cursor(name="bench_equality") as cr:  # server side: streamed
        cr.itersize = 5000
        cr.execute(query)
        key, rows = None, []
        for row in cr:
            if tuple(row[:keys]) != key:
                if rows:
                    yield key, rows
                key, rows = tuple(row[:keys]), []
            rows.append(row[keys:])
        if rows:
            yield key, rows


def merged(left, right):
    """(key, left rows, right rows) of two key-ordered group streams."""
    a, b = next(left, None), next(right, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[0] < b[0]):
            yield a[0], a[1], []
            a = next(left, None)
        elif a is None or b[0] < a[0]:
            yield b[0], [], b[1]
            b = next(right, None)
        else:
            yield a[0], a[1], b[1]
            a, b = next(left, None), next(right, None)


def same(a, b):
    """Equal, floats to 1e-9 relative (sums in another order), JSON values within."""
    number = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, number) and isinstance(b, number):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[key], b[key]) for key in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def hashable(value):
    """A row value as a multiset key: floats rounded below ``same()``'s tolerance."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def compare_databases(registry, incremental_db, full_db, company):
    """Every row of the tables the pass writes, the incremental pass's database against the
    full pass's: the differences (up to EQUALITY_SHOWN of them), their count per column."""
    import psycopg2

    from odoo.sql_db import connection_info_for

    def connect(database):
        connection = psycopg2.connect(**connection_info_for(database)[1])
        connection.set_session(readonly=True)
        return connection

    differences, by_column, rows_compared, columns_compared = [], {}, {}, 0
    customers = 0

    def differ(table, key, column, incremental, full):
        stat = by_column.setdefault((table, column), [0, []])
        stat[0] += 1
        if len(stat[1]) < 5:
            stat[1].append(key[0])
        if len(differences) < EQUALITY_SHOWN:
            differences.append((table, key[0], column, incremental, full))

    connections = [connect(incremental_db), connect(full_db)]
    try:
        for table, keys, columns, query in equality_queries(registry, company):
            columns_compared += len(columns)
            count = 0
            groups = [read_groups(connection, query, len(keys)) for connection in connections]
            for key, left, right in merged(*groups):
                count += 1
                if len(left) == 1 and len(right) == 1:
                    for column, a, b in zip(columns, left[0], right[0], strict=True):
                        if not same(a, b):
                            differ(table, key, column, a, b)
                    continue
                extra_left = collections.Counter(tuple(map(hashable, row)) for row in left)
                extra_right = collections.Counter(tuple(map(hashable, row)) for row in right)
                extra_left, extra_right = extra_left - extra_right, extra_right - extra_left
                if not extra_left and not extra_right:
                    continue
                if sum(extra_left.values()) == 1 and sum(extra_right.values()) == 1:
                    (row_left,), (row_right,) = extra_left, extra_right
                    for column, a, b in zip(columns, row_left, row_right, strict=True):
                        if a != b:
                            differ(table, key, column, a, b)
                    continue
                differ(
                    table,
                    key,
                    "(rows)",
                    f"{sum(extra_left.values())} row(s) only here: {list(extra_left)[:2]}",
                    f"{sum(extra_right.values())} row(s) only here: {list(extra_right)[:2]}",
                )
            rows_compared[table] = count
            if table == "crm_customer_metrics":
                customers = count
    finally:
        for connection in connections:
            connection.close()
    return {
        "differences": differences,
        "by_column": by_column,
        "keys": rows_compared,
        "columns": columns_compared,
        "customers": customers,
    }


# Report ---------------------------------------------------------------------------------


def verdict(ok):
    return "PASS" if ok else "FAIL"


def report(args, loaded, floor, passes):
    n, m = args.customers, args.lines
    print()
    print(
        f"crm_customer_mgmt metrics pass benchmark, database {args.database};"
        f" load average at the end {', '.join(f'{v:.1f}' for v in os.getloadavg())}"
        f" ({os.cpu_count()} CPUs, shared with whatever else runs)"
    )
    print(f"addon measured: {args.addon_state}")
    print(
        f"data: {n:,} customers, {m:,} posted product lines on {loaded['moves']:,} invoices and"
        f" refunds over {DAYS} days (journal {loaded['journal']}), each with its receivable"
        f" line; {loaded['payments']:,} payments (2 lines and a reconciliation each);"
        f" {loaded['all_lines']:,} journal items in all; {loaded['wallets']:,} wallet estimates;"
        f" {loaded['contacts']:,} contact messages (done calls, emails, meetings; emails"
        " received) over a year;"
        f" {loaded['reps']} sales reps own nine customers in ten"
    )
    print(
        f"load {loaded['seconds']:.1f} s (raw SQL, indexes rebuilt after, foreign key checks"
        f" {loaded['fk_checks']}; VACUUM ANALYZE included)"
    )
    print(
        f"floor: {FLOOR_SQL % loaded['journal_id']}\n"
        f"       median of {FLOOR_RUNS} warm runs {floor[0]:.3f} s, {floor[1]:,} groups"
    )
    print()
    header = (
        f"{'pass':<22}{'seconds':>9}{'customers/s':>13}{'lines/s':>11}{'peak RSS MB':>13}"
        f"{'floor s':>9}{'x floor':>9}{'SQL s':>8}{'queries':>9}"
    )
    print(header)
    print("-" * len(header))
    for result in passes:
        seconds = result["seconds"]
        print(
            f"{label(result):<22}{seconds:>9.2f}{n / seconds:>13,.0f}{m / seconds:>11,.0f}"
            f"{result['peak']:>13,.0f}{floor[0]:>9.3f}{seconds / floor[0]:>9.1f}"
            f"{result['sql_seconds']:>8.1f}{result['queries']:>9,}"
        )
    print()
    print(
        "peak RSS: the Python process running the pass (ru_maxrss since it started, registry"
        " and data load included); PostgreSQL's memory is separate:"
    )
    for result in passes:
        backend = result["backend_peak"]
        print(
            f"  {label(result)}: process RSS {result['rss_before']:,.0f} MB before,"
            f" {result['rss_after']:,.0f} MB after, peak {result['peak']:,.0f} MB;"
            f" PostgreSQL backend peak "
            + (
                f"{backend:,.0f} MB (VmHWM, shared buffers it touched included)"
                if backend
                else "n/a"
            )
        )
    print()
    for result in passes:
        changes = ", ".join(f"{k} {v:,}" for k, v in result["changes"].items()) or "none"
        print(f"{label(result)}: stage changes: {changes}")
        print(
            f"  messages posted {result['messages']:,}, activities {result['activities']:,},"
            f" metrics rows {result['metrics_rows']:,}, ranked customers {result['ranked'][0]:,},"
            f" cursor {result['cursor']!r}"
        )
        print(f"  stages after: {result['spread']}")
        if result["problems"]:
            print(f"  WARNINGS/ERRORS logged during the pass: {result['problems']}")
        if result["aborted"]:
            print(f"  ABORTED: a batch failed, the pass is not measured: {result['aborted']}")
    print_steps(passes)
    print()
    most_seconds, most_mb, _quiet = targets(n)
    print(
        f"targets on this machine ({os.cpu_count()} CPUs): at most {most_seconds:.0f} s"
        f" and {most_mb:.0f} MB for a full pass (under a million customers: 30 s and 1 GB, as"
        f" for 100,000 and 1,000,000 lines; from a million: 10 min and 2 GB) (this run:"
        f" {n:,} / {m:,}); the ratio to the floor is for information"
    )
    for result, name in ((passes[0], "first pass"), (passes[-1], "steady-state pass")):
        if len(passes) == 1 and name != "first pass":
            continue
        errors = any(key.startswith(("ERROR", "CRITICAL")) for key in result["problems"])
        if result["aborted"] or errors:
            print(f"  INVALID  {name} ({label(result)}): the pass failed or logged errors (above)")
            continue
        seconds, peak = result["seconds"], result["peak"]
        checks = [
            ("time", seconds <= most_seconds, f"{seconds:.1f} s"),
            ("memory", peak <= most_mb, f"{peak:,.0f} MB"),
        ]
        overall = all(ok for _n, ok, _v in checks)
        print(
            f"  {verdict(overall)}  {name} ({label(result)}): "
            + ", ".join(f"{what} {verdict(ok)} ({value})" for what, ok, value in checks)
        )


def report_quiet(night, passes, customers):
    print()
    if "skipped" in night:
        print(f"quiet night: not run: {night['skipped']}")
        return
    if "error" in night:
        where = night["error_where"]
        print(
            f"quiet night of {night['day']}: INVALID, the pass failed"
            f" ({os.path.relpath(where.filename, ADDON_DIR.parent)}:{where.lineno},"
            f" {where.name}):\n"
            f"  {night['error'][:2000]}"
        )
        print("equality: not run (the quiet night failed)")
        return
    result, full = night["pass"], passes[-1]
    seconds, measured = result["seconds"], result["measured"]
    print(
        f"quiet night of {night['day']}: {night['invoices']:,} customers (one in {QUIET_SHARE})"
        f" got a posted invoice of {QUIET_LINES} product lines and its receivable line dated"
        f" {night['day']}, written just before; then the day moved on by one and the pass ran"
        f" as the cron runs it. ({night['aged']:,} rows written in the minutes before the last"
        " full pass, by the load and the first placement, were dated a day back, as a night"
        " would have left them.)"
    )
    some = result["measured_some"]

    def customers_of(method):
        return result["steps"].get(STEP_LABELS[method], [0] * 5)[4]

    peak = result["peak_pass"]
    print(
        f"  {seconds:.2f} s, SQL {result['sql_seconds']:.1f} s, {result['queries']:,} queries;"
        f" measured {measured:,} customers in full and {some:,} for their receivable alone"
        f" ({(measured + some) / max(customers, 1):.1%} of the {customers:,} bench customers);"
        f" written: {customers_of('_pass_apply'):,} in full (with those whose rank moved),"
        f" {customers_of('_pass_apply_credit'):,} their credit alone;"
        + (f" peak RSS during the pass {peak:,.0f} MB" if peak else "")
        + f" (process since it started {result['peak']:,.0f} MB)"
    )
    if night.get("sources"):
        print(
            "  why they were measured: customers per source of the plan, a customer may count in"
            " several (and the seconds of each source alone, read again in the copy):"
        )
        for kind, counts in night["sources"].items():
            print(
                f"    {kind}: "
                + ", ".join(f"{name} {n:,} ({t:.1f} s)" for name, (n, t) in counts.items())
            )
    changes = ", ".join(f"{k} {v:,}" for k, v in result["changes"].items()) or "none"
    print(
        f"  stage changes: {changes}; messages posted {result['messages']:,}, activities"
        f" {result['activities']:,}; mark after: {json.dumps(result['mark'])}"
    )
    if result["problems"]:
        print(f"  WARNINGS/ERRORS logged during the pass: {result['problems']}")
    if night["floor"] is not None:
        print(
            f"  floor: {QUIET_FLOOR_SQL % '<the measured ids>'}\n"
            f"         median of {FLOOR_RUNS} warm runs {night['floor']:.3f} s"
        )
    print_steps([result], customers=True)
    print()
    errors = any(key.startswith(("ERROR", "CRITICAL")) for key in result["problems"])
    reason = (result["mark"] or {}).get("full", "no mark")
    if result["aborted"] or errors or reason:
        why = f"it ran as a full pass ({reason})" if reason else "it failed or logged errors"
        print(f"  INVALID  quiet night: {why}")
    else:
        quiet_most = targets(customers)[2]
        if quiet_most:
            print(
                f"  {verdict(seconds <= quiet_most)}  quiet night: {seconds:.1f} s"
                f" (at most {quiet_most:.0f} s from a million customers)"
            )
        share = seconds / full["seconds"]
        print(
            f"  {verdict(share <= QUIET_TARGET_SHARE)}  quiet night / full pass:"
            f" {seconds:.2f} s / {full['seconds']:.2f} s = {share:.1%}"
            f" (at most {QUIET_TARGET_SHARE:.0%})"
        )
        if night["floor"]:
            ratio = seconds / night["floor"]
            print(
                f"  {verdict(ratio <= QUIET_TARGET_FLOOR)}  quiet night / floor over the"
                f" {measured + some:,} customers it measured: {seconds:.2f} s"
                f" / {night['floor']:.3f} s"
                f" = {ratio:.1f}x (at most {QUIET_TARGET_FLOOR:.0f}x)"
            )
        else:
            print("  n/a   quiet night / floor: it measured no customer")
    report_equality(night)


def report_equality(night):
    equality = night.get("equality")
    print()
    if not equality:
        print("equality: not run")
        return
    full = equality["pass"]
    print(
        "equality: a copy of the database taken before the quiet night"
        f" ({night['copy_seconds']:.1f} s) ran a full pass of the same day"
        f" ({full['seconds']:.1f} s, registry {equality['registry_seconds']:.1f} s; stage changes"
        f" {', '.join(f'{k} {v:,}' for k, v in full['changes'].items()) or 'none'}, messages"
        f" {full['messages']:,}, activities {full['activities']:,}); compared in"
        f" {equality['compare_seconds']:.1f} s: "
        + ", ".join(f"{table} {n:,}" for table, n in equality["keys"].items())
        + " keys (customers or rows)"
    )
    if full["aborted"] or full["problems"]:
        print(f"  the full pass on the copy: aborted {full['aborted']}, logged {full['problems']}")
    counted = f"{equality['customers']:,} customers, {equality['columns']} columns compared"
    if not equality["by_column"]:
        print(f"equality: PASS ({counted})")
        return
    print(f"equality: FAIL ({counted}); customers differing, per column:")
    for (table, column), (count, sample) in sorted(
        equality["by_column"].items(), key=lambda item: -item[1][0]
    ):
        print(f"  {table}.{column}: {count:,} (e.g. partner ids {', '.join(map(str, sample))})")
    print(
        f"first {len(equality['differences'])} differences (partner id, column, incremental"
        " value, full value):"
    )
    for table, pid, column, incremental, full_value in equality["differences"]:
        print(f"  {pid}  {table}.{column}: {shorten(incremental)} | {shorten(full_value)}")


def shorten(value, width=160):
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def print_steps(results, customers=False):
    """The step table of ``results`` (passes), with the customers each step was about."""
    print()
    print("where the time goes (inclusive: an indented step is part of the step above it):")
    width = max(len(lbl) for _m, _f, lbl in STEPS) + 2
    cell = 46 if customers else 36
    print(f"  {'step':<{width}}" + "".join(f"{label(r):>{cell}}" for r in results))
    print(
        f"  {'':<{width}}"
        + "".join(
            f"{'calls':>9}{'seconds':>9}{'SQL s':>8}{'queries':>10}"
            + (f"{'customers':>10}" if customers else "")
            for _r in results
        )
    )
    for _model, method, lbl in STEPS:
        cells = []
        for result in results:
            calls, seconds, sql, queries, count = result["steps"].get(lbl, [0, 0.0, 0.0, 0, 0])
            counted = f"{count:>10,}" if method in COUNTED else " " * 10
            cells.append(
                f"{calls:>9,}{seconds:>9.2f}{sql:>8.2f}{queries:>10,}"
                + (counted if customers else "")
            )
        if any(result["steps"].get(lbl) for result in results):
            print(f"  {lbl:<{width}}" + "".join(cells))
    for result in results:
        if result["sql_top"]:
            print()
            print(f"slowest SQL statements of {label(result)} (total seconds, count, start):")
            for text, (count, seconds) in result["sql_top"]:
                print(f"  {seconds:>8.2f} {count:>8,}  {text}")


def label(result):
    number = result["number"]
    if number == 1:
        return "1 first placement"
    return f"{number} full" if isinstance(number, int) else number


def main():
    args = parse_args()
    registry = start_odoo(args)
    # before the minutes of loading data
    check_steps(registry, [*STEPS, *BACKTEST_ENTRIES, *BACKTEST_STEPS])
    from odoo import fields

    with registry.cursor() as cr:
        env = new_env(cr)
        today = fields.Date.context_today(env["crm.customer.metrics"])
        say(f"loading {args.customers:,} customers and {args.lines:,} invoice lines (SQL)")
        started = clock()
        loaded = load(env, args.customers, args.lines, today, args.messages)
        cr.commit()
        loaded["seconds"] = clock() - started
    started = clock()
    vacuum_analyze(args.database)
    say(f"VACUUM ANALYZE in {clock() - started:.1f} s")
    loaded["seconds"] += clock() - started
    with registry.cursor() as cr:
        floor = floor_seconds(cr, loaded["journal_id"])
        cr.rollback()
    thread = threading.current_thread()
    thread.query_count, thread.query_time = 0, 0.0
    for model, method, lbl in STEPS:
        instrument(registry, model, method, lbl)
    passes = []
    for number in range(1, args.passes + 1):
        say(f"pass {number}: crm.customer.metrics._cron_refresh()")
        passes.append(run_pass(registry, number, args.profile))
        say(f"pass {number}: {passes[-1]['seconds']:.1f} s, peak RSS {passes[-1]['peak']:,.0f} MB")
    report(args, loaded, floor, passes)
    sys.stdout.flush()
    night = run_quiet_night(args, registry, loaded, today, passes)
    report_quiet(night, passes, args.customers)
    run_refresh(registry)
    run_rules(registry)
    run_backtest(registry)


if __name__ == "__main__":
    main()
