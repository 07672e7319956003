import json
from datetime import timedelta
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import analysis, ranking
from .mail_activity_type import CONTACT_KINDS
from .settings import (
    ABC_A,
    ABC_B,
    PERIOD_DAYS,
    RANK_BASIS,
    TIER_KEY,
    TIER_ORDINARY,
    TIER_VIP,
    get_setting,
)

RFM_NONE = dict.fromkeys(("rfm_recency", "rfm_frequency", "rfm_monetary", "rfm_segment"))
MONTHS = 6  # full months of sales kept for the decline warnings

# What counts as a sale, as a table to select from: the posted product lines of customer
# invoices and credit notes, in company currency and untaxed, a credit note's negative. The
# customer is the line's partner, the invoice's commercial partner, as on every journal item
# the pass reads. A plain subquery: PostgreSQL folds it into the query that reads it, and
# works out a column (and its joins) only for the queries that read it.
#
# For the margin (see ``_source_sales()``): ``rate``, company currency per unit of the
# invoice's (the line's own, else the invoice's for a line at no price); ``product_cost``,
# the product's cost in the company for the quantity in the product's unit.
SALE_LINES = SQL(
    """(SELECT aml.partner_id, aml.company_id, aml.date, -aml.balance AS amount,
               aml.product_id, aml.move_id, am.move_type, aml.id AS line_id, aml.quantity,
               aml.is_downpayment,
               COALESCE(aml.balance / NULLIF(aml.amount_currency, 0),
                        1 / NULLIF(am.invoice_currency_rate, 0), 1) AS rate,
               COALESCE((pp.standard_price ->> aml.company_id::text)::numeric, 0)
                   * aml.quantity * COALESCE(line_uom.factor / product_uom.factor, 1)
                   AS product_cost
          FROM account_move_line aml
          JOIN account_move am ON am.id = aml.move_id
     LEFT JOIN product_product pp ON pp.id = aml.product_id
     LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
     LEFT JOIN uom_uom line_uom ON line_uom.id = aml.product_uom_id
     LEFT JOIN uom_uom product_uom ON product_uom.id = pt.uom_id
         WHERE aml.parent_state = 'posted'
           AND aml.display_type = 'product'
           AND am.move_type IN ('out_invoice', 'out_refund'))"""
)
# the order line whose cost (sale_margin) an invoice line takes: the first it was invoiced
# from. Two forms of one relation, ``invoice_line_id`` -> ``cost`` (per unit, in the order's
# currency): for a few customers, looked up per line; for many, read whole and hashed
# (measured at 100,000 customers: 1.8 s against 3.7 s per line, and 0.3 ms against 170 ms
# for one customer)
ORDER_COSTS_FEW = SQL(
    """(SELECT rel.invoice_line_id, sol.purchase_price AS cost
          FROM sale_order_line_invoice_rel rel
          JOIN sale_order_line sol ON sol.id = rel.order_line_id
         WHERE NOT EXISTS (SELECT 1 FROM sale_order_line_invoice_rel other
                            WHERE other.invoice_line_id = rel.invoice_line_id
                              AND other.order_line_id < rel.order_line_id))"""
)
ORDER_COSTS_MANY = SQL(
    """(SELECT DISTINCT ON (rel.invoice_line_id) rel.invoice_line_id, sol.purchase_price AS cost
          FROM sale_order_line_invoice_rel rel
          JOIN sale_order_line sol ON sol.id = rel.order_line_id
      ORDER BY rel.invoice_line_id, rel.order_line_id)"""
)
MANY_CUSTOMERS = 2000  # from which the pass reads the order costs whole


# How a measure reads as of a past day (a back-test, ``_measure_as_of()``), declared on it:
# its source reads only records dated up to the window's day (posted or confirmed, with their
# product's category, as they are now): exact but for documents cancelled or back-dated since
AS_OF_DATED = "dated"
AS_OF_REBUILT = "rebuilt"  # its source rebuilds the state of the day from dated records
AS_OF_APPROXIMATE = "approximate"  # as rebuilt, from records whose changes are not kept
AS_OF_NONE = "none"  # cannot be read as of a past day: a back-test measures it as NULL


class Measure(NamedTuple):
    """How one column of the metrics table is measured: ``expression``, SQL over the CTE
    ``source`` of ``_measure_sources()`` (a customer missing from it reads NULL there). Its
    type, label and help are those of the field of the same name. ``as_of`` says how it is
    read as of a past day (``AS_OF_*``): a source that reads the current state of records
    reads their state of the window's day instead when the window is ``as_of``."""

    name: str
    source: str
    expression: str
    as_of: str = AS_OF_DATED


class Window(NamedTuple):
    """What the measuring SQL is about: customers, company and the dates of the periods."""

    ids: list  # customer ids (a back-test passes them as one SQL array literal)
    company: int
    today: object
    cur: object  # first day of the current period
    prev: object  # first day of the previous period
    year: object  # first day of the last 12 months
    jan1: object
    as_of: bool = False  # read as of ``today`` (a past day), not as records stand now
    # relation -> a back-test's copy of its customers' rows of it, which the sources read
    # instead (see _window_table() and _window_sales())
    copies: dict | None = None


class CrmCustomerMetrics(models.Model):
    """What the nightly pass measured per customer; one row per commercial partner. Each
    measure is declared in ``_measure_definitions()``; the SQL of its sources lives in
    crm_customer_metrics_sources.py, the pass in crm_customer_metrics_pass.py."""

    _name = "crm.customer.metrics"
    _description = "Customer Metrics"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    # the measures: one field each, measured as _measure_definitions() says
    last_invoice_date = fields.Date()
    last_sale_order_date = fields.Date(string="Last Confirmed Sale Order")
    invoice_count = fields.Integer(string="Invoices (period)")
    invoice_count_prev = fields.Integer(string="Invoices (previous period)")
    invoice_count_12m = fields.Integer(string="Invoices (12 months)")
    sales = fields.Float(string="Sales (period)")
    sales_prev = fields.Float(string="Sales (previous period)")
    sales_12m = fields.Float(string="Sales (12 months)")
    margin = fields.Float(
        string="Margin (period)",
        help="Sales less what the goods sold cost us (the cost kept on the order line, else"
        " the product's cost), credit notes deducted.",
    )
    margin_prev = fields.Float(string="Margin (previous period)")
    margin_12m = fields.Float(string="Margin (12 months)")
    margin_total = fields.Float(string="Margin (to date)")
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
    cost_to_serve_12m = fields.Float(string="Cost to Serve (12 months)")

    stale = fields.Boolean(
        help="A record its measures read was deleted or moved to another customer since it"
        " was measured: the next pass measures it again."
    )

    last_contact_date = fields.Date(help="Last call, email or meeting with the customer.")
    last_contact_kind = fields.Selection(CONTACT_KINDS)
    contacts_phone = fields.Integer(string="Calls (period)")
    contacts_email = fields.Integer(string="Emails (period)")
    contacts_meeting = fields.Integer(string="Meetings (period)")
    contacts_prev = fields.Integer(string="Contacts (previous period)")

    _partner_company_unique = models.Constraint(
        "UNIQUE(partner_id, company_id)", "A customer has one metrics row per company."
    )

    # Declarations -----------------------------------------------------------------------

    @api.model
    def _measure_definitions(self):
        """The measures, in column order. To add one, declare its field on this model and
        return its ``Measure`` here too (and its CTE from ``_measure_sources()`` if it needs
        one of its own), saying how a back-test reads it as of a past day."""
        no_months = json.dumps([0] * MONTHS)
        return [
            Measure("last_invoice_date", "inv", "inv.last_invoice_date"),
            Measure("last_sale_order_date", "ord", "ord.last_sale_order_date", AS_OF_APPROXIMATE),
            Measure("invoice_count", "cnt", "COALESCE(cnt.n, 0)"),
            Measure("invoice_count_prev", "cnt", "COALESCE(cnt.n_prev, 0)"),
            Measure("invoice_count_12m", "cnt", "COALESCE(cnt.n_12m, 0)"),
            Measure("sales", "inv", "COALESCE(inv.sales, 0)"),
            Measure("sales_prev", "inv", "COALESCE(inv.sales_prev, 0)"),
            Measure("sales_12m", "inv", "COALESCE(inv.sales_12m, 0)"),
            # dated, with the costs kept on order lines and products as they are now
            Measure("margin", "inv", "COALESCE(inv.margin, 0)"),
            Measure("margin_prev", "inv", "COALESCE(inv.margin_prev, 0)"),
            Measure("margin_12m", "inv", "COALESCE(inv.margin_12m, 0)"),
            Measure("margin_total", "inv", "COALESCE(inv.margin_total, 0)"),
            Measure("categories", "cats", "to_jsonb(COALESCE(cats.categories, '{}'))"),
            Measure("categories_prev", "cats", "to_jsonb(COALESCE(cats.categories_prev, '{}'))"),
            Measure("first_invoice_date", "inv", "inv.first_invoice_date"),
            Measure("paid_late_days", "paid", "paid.late_days"),
            Measure("open_receivable", "recv", "COALESCE(recv.open_receivable, 0)", AS_OF_REBUILT),
            Measure("overdue_amount", "recv", "COALESCE(recv.overdue_amount, 0)", AS_OF_REBUILT),
            Measure("overdue_days", "recv", "COALESCE(recv.overdue_days, 0)", AS_OF_REBUILT),
            Measure("sales_ytd", "inv", "COALESCE(inv.sales_ytd, 0)"),
            Measure("monthly_sales", "inv", f"COALESCE(inv.monthly_sales, '{no_months}'::jsonb)"),
            Measure("cost_to_serve", "cost", "COALESCE(cost.cost_to_serve, 0)"),
            Measure("cost_to_serve_12m", "cost", "COALESCE(cost.cost_to_serve_12m, 0)"),
            Measure("last_contact_date", "contact", "contact.last_contact_date"),
            Measure("last_contact_kind", "contact", "contact.last_contact_kind"),
            Measure("contacts_phone", "contact", "COALESCE(contact.phone, 0)"),
            Measure("contacts_email", "contact", "COALESCE(contact.email, 0)"),
            Measure("contacts_meeting", "contact", "COALESCE(contact.meeting, 0)"),
            Measure("contacts_prev", "contact", "COALESCE(contact.previous, 0)"),
        ]

    @api.model
    def _measure_sources(self, window):
        """CTE name -> SQL aggregating per customer (``partner_id``) over ``window``."""
        return {
            "inv": self._source_sales(window),
            "cnt": self._source_invoice_counts(window),
            "cats": self._source_categories(window),
            "paid": self._source_paid(window),
            "recv": self._source_receivable(window),
            "cost": self._source_cost(window),
            "ord": self._source_orders(window),
            "contact": self._source_contacts(window),
        }

    @api.model
    def _sale_lines(self):
        """What counts as a sale (see SALE_LINES), for every query that sums sales."""
        return SALE_LINES

    @api.model
    def _customer_domain(self):
        """Customers the pass measures in this company: commercial partners that bought or
        have a card type, shared by every company or belonging to this one."""
        return [
            ("active", "=", True),
            ("company_id", "in", [False, self.env.company.id]),
            "|",
            ("is_company", "=", True),
            ("parent_id", "=", False),
            "|",
            ("customer_rank", ">", 0),
            ("customer_type", "!=", False),
        ]

    # Measuring --------------------------------------------------------------------------

    def _measure(self, partner_ids, today, sources=None):
        """Aggregate per customer over posted invoices and confirmed orders, in one statement,
        and store the rows whose values changed; ``sources``: the measures of these sources
        only (of customers measured before)."""
        if not partner_ids:
            return
        self._measure_prepare()
        measures = [
            measure
            for measure in self._measure_definitions()
            if sources is None or measure.source in sources
        ]
        self._measure_into_temporary_table(measures, self._window(partner_ids, today))
        self._measure_upsert([SQL.identifier(measure.name) for measure in measures])
        self.invalidate_model()

    def _measure_prepare(self):
        """Flush what the sources read and tune this transaction for their aggregates."""
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model(["move_type", "state"])
        self.env["account.partial.reconcile"].flush_model()
        self.env["sale.order"].flush_model(["state", "date_order", "partner_id", "company_id"])
        self.env["crm.customer.contact"]._flush_sources()
        # the planner overestimates the joined aggregates; compiling them (JIT) costs more
        # than running them, and their sorts spill to disk with the default work_mem
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute("SET LOCAL work_mem = '64MB'")

    def _window(self, partner_ids, today):
        period = timedelta(days=get_setting(self.env, PERIOD_DAYS))
        return Window(
            ids=list(partner_ids),
            company=self.env.company.id,
            today=today,
            cur=today - period + timedelta(days=1),
            prev=today - 2 * period + timedelta(days=1),
            year=today - timedelta(days=364),
            jan1=today.replace(month=1, day=1),
        )

    def _measure_into_temporary_table(self, measures, window):
        """A temporary table first: PostgreSQL runs CREATE TABLE AS in parallel, not INSERT."""
        sources = self._measure_sources(window)
        used = list(dict.fromkeys(measure.source for measure in measures))
        self.env.execute_query(
            SQL(
                """
            CREATE TEMPORARY TABLE crm_customer_measured (partner_id, %(cols)s)
            ON COMMIT DROP AS
            WITH %(ctes)s
            SELECT ids.id, %(values)s
              FROM unnest(%(ids)s) AS ids(id)
            %(joins)s
            """,
                cols=SQL(", ").join(SQL.identifier(measure.name) for measure in measures),
                ctes=SQL(", ").join(
                    SQL("%s AS (%s)", SQL.identifier(name), sources[name]) for name in used
                ),
                values=SQL(", ").join(SQL(measure.expression) for measure in measures),
                ids=window.ids,
                joins=SQL(" ").join(
                    SQL(
                        "LEFT JOIN %s ON %s = ids.id",
                        SQL.identifier(name),
                        SQL.identifier(name, "partner_id"),
                    )
                    for name in used
                ),
            )
        )

    def _measure_upsert(self, columns):
        self.env.execute_query(
            SQL(
                """
            INSERT INTO crm_customer_metrics AS m (partner_id, company_id, %(cols)s, stale,
                        create_uid, write_uid, create_date, write_date)
            SELECT partner_id, %(company)s, %(cols)s, FALSE, %(uid)s, %(uid)s, now(), now()
              FROM crm_customer_measured
            ON CONFLICT (partner_id, company_id) DO UPDATE
               SET %(updates)s, stale = FALSE, write_date = now(),
                   write_uid = EXCLUDED.write_uid
             WHERE (%(old)s) IS DISTINCT FROM (%(new)s) OR m.stale IS TRUE;
            DROP TABLE crm_customer_measured
            """,
                cols=SQL(", ").join(columns),
                updates=SQL(", ").join(
                    SQL("%s = EXCLUDED.%s", column, column) for column in columns
                ),
                old=SQL(", ").join(SQL("m.%s", column) for column in columns),
                new=SQL(", ").join(SQL("EXCLUDED.%s", column) for column in columns),
                company=self.env.company.id,
                uid=self.env.uid,
            )
        )

    @api.model
    def _measure_again(self, partner_ids):
        """Mark the customers of ``partner_ids`` (any of their people) to be measured again by
        the next pass, in every company: a record their measures read is going away or
        moving to another customer, which no date of change tells the next pass."""
        if not partner_ids:
            return
        self.flush_model(["stale"])
        self.env.execute_query(
            SQL(
                """UPDATE crm_customer_metrics m SET stale = TRUE
                     FROM res_partner p
                    WHERE p.id = ANY(%s) AND m.partner_id = p.commercial_partner_id
                      AND m.stale IS NOT TRUE""",
                list(partner_ids),
            )
        )
        self.invalidate_model(["stale"])

    def _measured(self, partner_ids):
        """The stored scalar measures per partner id, in this company: stages and grades read
        no JSON column, and decoding them would cost more than the rest of the read."""
        names = [
            measure.name
            for measure in self._measure_definitions()
            if self._fields[measure.name].type != "json"
        ]
        rows = self._measure_rows(partner_ids, names)
        return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}

    def _measure_values(self, partner_ids):
        """Every measure per partner id, as stored (None for a customer not measured yet)."""
        names = [measure.name for measure in self._measure_definitions()]
        values = {pid: dict.fromkeys(names) for pid in partner_ids}
        for pid, *row in self._measure_rows(partner_ids, names):
            values[pid] = dict(zip(names, row, strict=True))
        return values

    def _measure_rows(self, partner_ids, names):
        return self.env.execute_query(
            SQL(
                "SELECT partner_id, %s FROM crm_customer_metrics"
                " WHERE company_id = %s AND partner_id = ANY(%s)",
                SQL(", ").join(SQL.identifier(name) for name in names),
                self.env.company.id,
                list(partner_ids),
            )
        )

    def _ranks(self):
        """Partner id -> the columns that rank each measured customer of the company among
        the others, over the last 12 months: ABC class and value tier (by the rank basis:
        revenue, margin or profit), the cost customer flag, and the RFM scores and segment
        of those who ever bought."""
        rows = self.env.execute_query(
            SQL(
                """SELECT partner_id, sales_12m, margin_12m, margin_12m - cost_to_serve_12m,
                          last_invoice_date, invoice_count_12m
                     FROM crm_customer_metrics WHERE company_id = %s""",
                self.env.company.id,
            )
        )
        bases = {
            "revenue": {row[0]: row[1] or 0.0 for row in rows},
            "margin": {row[0]: row[2] or 0.0 for row in rows},
            "profit": {row[0]: row[3] or 0.0 for row in rows},
        }
        basis = get_setting(self.env, RANK_BASIS)
        a, b, vip, key, ordinary = (
            get_setting(self.env, setting)
            for setting in (ABC_A, ABC_B, TIER_VIP, TIER_KEY, TIER_ORDINARY)
        )
        # each basis ranked once: the rank basis's classes, and revenue's and profit's for
        # the cost customers (the same when the rank basis is one of them)
        by_basis = {
            name: ranking.abc_classes(bases[name], a, b) for name in {basis, "revenue", "profit"}
        }
        classes = by_basis[basis]
        tiers = ranking.value_tiers(bases[basis], vip, key, ordinary)
        cost = ranking.cost_customers(by_basis["revenue"], by_basis["profit"], bases["profit"])
        rfm = self._rfm({row[0]: (row[4], row[5], row[1] or 0.0) for row in rows if row[4]})
        return {
            pid: {
                "abc_class": classes[pid],
                "value_tier": tiers[pid],
                "is_cost_customer": cost[pid],
                **rfm.get(pid, RFM_NONE),
            }
            for pid in bases["revenue"]
        }

    @staticmethod
    def _rfm(bought):
        """RFM scores and segment per customer of ``bought`` (partner id -> (last invoice
        date, invoices in 12 months, sales in 12 months)): customers who ever bought."""
        if not bought:
            return {}
        recency = ranking.quintiles(
            {pid: row[0].toordinal() for pid, row in bought.items()}, ties_high=True
        )
        frequency = ranking.quintiles({pid: row[1] for pid, row in bought.items()})
        money = ranking.quintiles({pid: row[2] for pid, row in bought.items()})
        return {
            pid: {
                "rfm_recency": recency[pid],
                "rfm_frequency": frequency[pid],
                "rfm_monetary": money[pid],
                "rfm_segment": analysis.rfm_segment(
                    recency[pid], frequency[pid], money[pid], bought[pid][1]
                ),
            }
            for pid in bought
        }
