from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from ..models import crm_customer_metrics as metrics_module
from ..models.tools import owned_writer
from .common import MetricsCase

D1 = date(2025, 2, 28)
D2 = date(2025, 4, 30)


@tagged("post_install", "-at_install")
class TestMetricsAsOf(MetricsCase):
    """Measures and warning facts as of a past day, from the ledger, against what the pass
    stores on the day for a twin customer whose history stops there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Hengtong Valves Co.")
        cls.Rule = cls.env["crm.customer.warning.rule"].sudo()

    # A history over several months ----------------------------------------------------

    def _history(self, partner, until=None):
        """Invoices in January and February, an order in February, a credit note applied to
        the second invoice in March, the first invoice paid 100 days late in April, then an
        invoice in May and the rest of the second paid in June; the documents dated up to
        ``until`` only when given."""
        steps = [
            (date(2025, 1, 15), lambda: self._invoice(partner, date(2025, 1, 15), 1000)),
            (
                date(2025, 2, 10),
                lambda: self._invoice(partner, date(2025, 2, 10), 500, self.products[1]),
            ),
            (date(2025, 2, 20), lambda: self._order(partner, "2025-02-20 10:00:00")),
            (date(2025, 3, 20), lambda: self._credit_note(partner, moves, date(2025, 3, 20))),
            (date(2025, 4, 25), lambda: self._pay(moves[0], date(2025, 4, 25))),
            (
                date(2025, 5, 10),
                lambda: self._invoice(partner, date(2025, 5, 10), 300, self.products[2]),
            ),
            (date(2025, 6, 1), lambda: self._pay(moves[1], date(2025, 6, 1))),
        ]
        moves = []
        for when, step in steps:
            if until is None or when <= until:
                moves.append(step())
        return moves

    def _order(self, partner, when):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [Command.create({"product_id": self.products[3].id})],
            }
        )
        order.action_confirm()
        order.date_order = when
        return order

    def _credit_note(self, partner, moves, when):
        """200 credited on the second invoice and applied to it."""
        refund = self._invoice(partner, when, 200, self.products[1], move_type="out_refund")
        (moves[1] | refund).line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        return refund

    def _stored(self, partner, day):
        """What the pass stores for ``partner`` when it runs on ``day``."""
        self._pass(partner, day)
        return self.Metrics._measure_values(partner.ids)[partner.id]

    def _as_of(self, partner, day):
        return self.Metrics._measure_as_of(partner.ids, day)[partner.id]

    # Measures ---------------------------------------------------------------------------

    def test_as_of_a_day_measures_what_the_pass_stored_that_day(self):
        self._history(self.customer)
        for day in (D1, D2):
            with self.subTest(day=day):
                twin = self._customer(f"Twin of {day}")
                self._history(twin, until=day)
                self.assertEqual(self._as_of(self.customer, day), self._stored(twin, day))
        # and what they both say, by hand
        at_d1, at_d2 = self._as_of(self.customer, D1), self._as_of(self.customer, D2)
        self.assertEqual(
            (at_d1["sales"], at_d1["invoice_count"], at_d1["open_receivable"]), (1500, 2, 1500)
        )
        self.assertEqual((at_d1["overdue_amount"], at_d1["overdue_days"]), (1500, 44))
        self.assertEqual(
            (at_d1["last_invoice_date"], at_d1["last_sale_order_date"]),
            (date(2025, 2, 10), date(2025, 2, 20)),
        )
        self.assertEqual(len(at_d1["categories"]), 2)
        self.assertIsNone(at_d1["paid_late_days"], "nothing was paid by then")
        # at D2: the first invoice paid, 200 of the second credited, 300 left of it
        self.assertEqual((at_d2["sales"], at_d2["sales_prev"]), (300, 1000))
        self.assertEqual((at_d2["open_receivable"], at_d2["overdue_amount"]), (300, 300))
        self.assertEqual(at_d2["overdue_days"], (D2 - date(2025, 2, 10)).days)
        self.assertAlmostEqual(at_d2["paid_late_days"], (1000 * 100 + 200 * 38) / 1200)
        self.assertEqual(at_d2["monthly_sales"], [0, 0, 0, 1000, 500, -200])

    def test_a_payment_after_the_day_leaves_the_invoice_open(self):
        invoice = self._invoice(self.customer, date(2025, 1, 15), 1000)
        self._pay(invoice, date(2025, 4, 25))
        self.assertEqual(invoice.payment_state, "paid")
        at_d1 = self._as_of(self.customer, D1)
        self.assertEqual(
            (at_d1["open_receivable"], at_d1["overdue_amount"], at_d1["overdue_days"]),
            (1000, 1000, 44),
        )
        self.assertIsNone(at_d1["paid_late_days"])
        at_d2 = self._as_of(self.customer, D2)
        self.assertEqual(
            (at_d2["open_receivable"], at_d2["overdue_amount"], at_d2["overdue_days"]),
            (0, 0, 0),
        )
        self.assertEqual(at_d2["paid_late_days"], 100)

    def test_a_credit_note_applied_after_the_day_was_not_there_yet(self):
        invoice = self._invoice(self.customer, date(2025, 2, 10), 500)
        self._credit_note(self.customer, [None, invoice], date(2025, 3, 20))
        at_d1 = self._as_of(self.customer, D1)
        self.assertEqual((at_d1["sales"], at_d1["open_receivable"]), (500, 500))
        at_d2 = self._as_of(self.customer, D2)
        self.assertEqual((at_d2["sales"], at_d2["open_receivable"]), (300, 300))

    def test_a_customer_with_no_document_by_the_day_measures_empty(self):
        self._invoice(self.customer, date(2025, 5, 10), 300)
        self._order(self.customer, "2025-05-12 09:00:00")
        blank = self._customer("Blank Co.")
        as_of = self._as_of(self.customer, D2)
        self.assertEqual(as_of, self._stored(blank, D2))
        self.assertEqual(
            (as_of["sales_12m"], as_of["open_receivable"], as_of["last_sale_order_date"]),
            (0, 0, None),
        )
        self.assertEqual((as_of["categories"], as_of["monthly_sales"]), ([], [0] * 6))

    def test_nothing_is_written_and_no_query_per_customer(self):
        self._history(self.customer)
        self._pass(self.customer, date(2026, 6, 30))
        stored = self.Metrics._measure_values(self.customer.ids)
        others = [self._customer(f"Other {n}") for n in range(3)]
        ids = [self.customer.id] + [other.id for other in others]
        self.Metrics._measure_as_of(ids[:1], D1)  # flushes what the others made
        with self.assertQueryCount(9):
            one = self.Metrics._measure_as_of(ids[:1], D1)
        with self.assertQueryCount(9):
            four = self.Metrics._measure_as_of(ids, D1)
        self.assertEqual(four[self.customer.id], one[self.customer.id])
        self.assertEqual(self.Metrics._measure_values(self.customer.ids), stored)
        rows = self.env.execute_query(
            SQL("SELECT COUNT(*) FROM crm_customer_metrics WHERE partner_id = ANY(%s)", ids)
        )
        self.assertEqual(rows[0][0], 1, "the customers measured as of a day have no row")

    def test_the_copies_of_the_ledger_measure_as_the_ledger(self):
        """A back-test reads copies of its customers' ledger; reading the ledger itself as
        of the day measures the same."""
        self._history(self.customer)
        measures = self.Metrics._measure_definitions()
        for day in (D1, D2):
            with self.subTest(day=day):
                window = self.Metrics._window(self.customer.ids, day)._replace(as_of=True)
                self.Metrics._measure_prepare()
                self.Metrics._measure_into_temporary_table(measures, window)
                [(_pid, *row)] = self.Metrics._measure_as_of_rows(measures)
                direct = dict(zip((measure.name for measure in measures), row, strict=True))
                self.assertEqual(self._as_of(self.customer, day), direct)

    def test_a_measure_without_a_past_reads_none(self):
        self._history(self.customer)
        definitions = self.Metrics._measure_definitions()
        blind = [
            measure._replace(as_of=metrics_module.AS_OF_NONE)
            if measure.name == "cost_to_serve"
            else measure
            for measure in definitions
        ]
        with patch.object(type(self.Metrics), "_measure_definitions", lambda self: blind):
            as_of = self._as_of(self.customer, D2)
        self.assertIsNone(as_of["cost_to_serve"])
        self.assertEqual(as_of["sales"], 300)

    def test_every_measure_declared_rebuilt_reads_the_day(self):
        """A measure declared as read from the state of the day has a source whose SQL
        changes with an ``as_of`` window; one declared dated has not."""
        window = self.Metrics._window([self.customer.id], D1)
        live = self.Metrics._measure_sources(window)
        past = self.Metrics._measure_sources(window._replace(as_of=True))
        rebuilt = (metrics_module.AS_OF_REBUILT, metrics_module.AS_OF_APPROXIMATE)
        for measure in self.Metrics._measure_definitions():
            with self.subTest(measure=measure.name):
                self.assertIn(
                    measure.as_of,
                    (metrics_module.AS_OF_DATED, metrics_module.AS_OF_NONE, *rebuilt),
                )
                differs = live[measure.source].code != past[measure.source].code
                self.assertEqual(differs, measure.as_of in rebuilt)

    # Facts ------------------------------------------------------------------------------

    def test_facts_as_of_the_day_from_the_measures_and_the_wallet(self):
        self._history(self.customer)
        self.env["crm.customer.wallet"].create(
            {
                "partner_id": self.customer.id,
                "total_spend": 3000,
                "date_from": date(2025, 1, 1),
                "date_to": date(2025, 12, 31),
            }
        )
        self.customer.credit_limit = 2000
        facts = self.Rule._warning_facts_as_of(self.customer, 90, D2)[self.customer.id]
        self.assertEqual(facts["overdue_days"], (D2 - date(2025, 2, 10)).days)
        self.assertEqual(facts["days_since_last_order"], (D2 - date(2025, 2, 20)).days)
        self.assertAlmostEqual(facts["share"], 100 * 1300 / 3000, 2, "our sales up to D2")
        self.assertEqual(facts["limit_usage"], 100 * 300 / 2000, "orders to invoice unknown")
        self.assertEqual((facts["lines"], facts["lines_prev"]), (1, 1))
        self.assertAlmostEqual(facts["year_elapsed"], 120 / 365)
        self.assertEqual(facts["completeness"], self.customer.card_completeness, "as now")
        # the facts of the measures are those the rules read after the pass of that day
        twin = self._customer("Twin Co.")
        self._history(twin, until=D2)
        self._pass(twin, D2)
        live = self.Rule._warning_facts(twin, 90, D2)[twin.id]
        for key in ("sales", "sales_prev", "monthly_sales", "overdue_amount", "sales_ytd"):
            self.assertEqual(facts[key], live[key], key)

    def test_facts_as_of_the_day_from_the_histories(self):
        partner = self.customer.with_context(tracking_disable=False, mail_notrack=False)
        self.env.cr.precommit.run()  # what a commit ends: the creation's untracked values
        for when, values in (
            ("2025-01-10 09:00:00", {"card_review_date": date(2025, 1, 10)}),
            ("2025-01-12 09:00:00", {"annual_sales_target": 1200}),
            ("2025-06-15 09:00:00", {"card_review_date": date(2025, 6, 15)}),
            ("2025-06-16 09:00:00", {"annual_sales_target": 2400}),
        ):
            with freeze_time(when):
                owned_writer(partner).write(values)
                self.env.cr.precommit.run()
        development = self.env.ref("crm_customer_mgmt.stage_development")
        stable = self.env.ref("crm_customer_mgmt.stage_stable")
        grade_a, grade_b, grade_c = (
            self.env.ref(f"crm_customer_mgmt.credit_grade_{g}") for g in ("a", "b", "c")
        )
        self.env["crm.customer.stage.history"].sudo().create(
            [
                {
                    "partner_id": self.customer.id,
                    "stage_to_id": stage.id,
                    "change": "fell",
                    "date": day,
                }
                for stage, day in ((development, date(2025, 4, 1)), (stable, date(2025, 5, 1)))
            ]
        )
        self.env["crm.credit.grade.history"].sudo().create(
            [
                {
                    "partner_id": self.customer.id,
                    "grade_from_id": before.id,
                    "grade_to_id": after.id,
                    "date": day,
                }
                for before, after, day in (
                    (grade_a, grade_b, date(2025, 3, 1)),
                    (grade_b, grade_c, date(2025, 5, 2)),
                )
            ]
        )
        facts = self.Rule._warning_facts_as_of(self.customer, 90, D2)[self.customer.id]
        self.assertEqual(facts["days_since_review"], (D2 - date(2025, 1, 10)).days)
        self.assertEqual(facts["annual_target"], 1200)
        self.assertEqual(facts["stage_fell"], development.name, "not the fall after D2")
        self.assertEqual(facts["grade_change"], f"{grade_a.name} → {grade_b.name}")
        before = self.Rule._warning_facts_as_of(self.customer, 90, date(2025, 1, 5))
        self.assertIsNone(before[self.customer.id]["days_since_review"], "not reviewed yet")
        self.assertFalse(before[self.customer.id]["stage_fell"])
        now = self.Rule._warning_facts(self.customer, 90, date(2025, 7, 1))[self.customer.id]
        self.assertEqual((now["annual_target"], now["stage_fell"]), (2400, stable.name))

    def test_key_contacts_as_of_the_day(self):
        joined, left, later = self.env["res.partner"].create(
            [
                {"name": name, "parent_id": self.customer.id, "buying_role": "decision_maker"}
                for name in ("Joined Li", "Left Wang", "Later Zhao")
            ]
        )
        left.active = False
        self.env.flush_all()
        for record, created, written in (
            (self.customer, "2024-01-01", "2024-01-01"),
            (joined, "2025-04-10", "2025-04-10"),
            (left, "2024-01-01", "2025-04-20"),
        ):
            self.env.cr.execute(
                SQL(
                    "UPDATE res_partner SET create_date = %s, write_date = %s WHERE id = %s",
                    created,
                    written,
                    record.id,
                )
            )
        self.env.invalidate_all()
        facts = self.Rule._warning_facts_as_of(self.customer, 90, D2)[self.customer.id]
        self.assertEqual(facts["key_contact_changes"], ["Joined Li joined", "Left Wang left"])
        earlier = self.Rule._warning_facts_as_of(self.customer, 90, date(2025, 4, 15))
        self.assertEqual(
            earlier[self.customer.id]["key_contact_changes"],
            ["Joined Li joined"],
            "Wang still there, Zhao not yet",
        )

    def test_facts_of_several_days_read_the_day_each(self):
        self._history(self.customer)
        days = [date(2025, 1, 31), D1, date(2025, 3, 31), D2]
        facts = dict(self.Rule._warning_facts_as_of_days(self.customer, 90, days))
        self.assertEqual(list(facts), days)
        self.assertEqual(
            [facts[day][self.customer.id]["overdue_amount"] for day in days],
            [1000, 1500, 1300, 300],
        )

    def test_facts_take_as_many_queries_for_many_customers_as_for_one(self):
        customers = self.customer | self.env["res.partner"].concat(
            *(self._customer(f"Busy {n}") for n in range(3))
        )
        development = self.env.ref("crm_customer_mgmt.stage_development")
        for customer in customers:
            self._invoice(customer, date(2025, 2, 10), 500)
            self.env["crm.customer.stage.history"].sudo().create(
                {
                    "partner_id": customer.id,
                    "stage_to_id": development.id,
                    "change": "fell",
                    "date": date(2025, 4, 1),
                }
            )
            self.env["res.partner"].create(
                {"name": "Boss", "parent_id": customer.id, "buying_role": "decision_maker"}
            )
        self.Rule._warning_facts_as_of(customers, 90, D2)  # warms the caches

        def queries(partners):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            facts = self.Rule._warning_facts_as_of(partners, 90, D2)
            return self.env.cr.sql_log_count - before, facts

        one, _facts = queries(self.customer)
        many, facts = queries(customers)
        self.assertEqual(many, one)
        self.assertEqual({facts[pid]["stage_fell"] for pid in customers.ids}, {development.name})
