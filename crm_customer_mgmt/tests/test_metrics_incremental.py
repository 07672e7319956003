from datetime import date, datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..engine import incremental
from ..models.crm_customer_metrics_pass import AGING_SOURCES
from ..models.res_partner_security import PASS_OWNED_FIELDS
from ..models.settings import INTERRUPT_DAYS, METRICS_MARK, get_setting
from .common import REP, SUPERVISOR, MetricsCase, age_writes

D0 = date(2026, 6, 10)  # the night of the full pass
D1 = D0 + timedelta(days=1)  # the next night, incremental
AUDIT = {"id", "create_uid", "create_date", "write_uid", "write_date"}
# what the passes and rules write, compared between the incremental and the full pass
TABLES = (
    "crm_customer_metrics",
    "crm_customer_stage_history",
    "crm_credit_grade_history",
    "crm_customer_partial_churn",
    "crm_customer_warning",
)


class Rollback(Exception):
    """Undoes the incremental night, to run the full one on the same data."""


@tagged("post_install", "-at_install")
class TestIncrementalPass(MetricsCase):
    """A history, a full pass, a few customers changed and the day moved on: the incremental
    pass measures those and the customers the calendar moves alone, and leaves every value
    as a full pass on the same data does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["crm.customer.warning.rule"].sudo()
        cls.Rule.search([]).write({"threshold": 1})  # warnings to compare too
        cls.people = {}
        # one cadence for all: a contact is due 45 days after the last one
        Cadence = cls.env["crm.customer.contact.cadence"]
        Cadence.search([]).write({"active": False})
        Cadence.create({"interval_days": 45})
        pipes, valves = cls.products[0], cls.products[1]

        def customer(name, *invoices):
            partner = cls.people[name] = cls._customer(name)
            for when, amount, product, paid in invoices:
                move = cls._invoice_lines(partner, when, [(product, amount)])
                if paid:
                    cls._pay_class(move, when + timedelta(days=paid))
            return partner

        customer("quiet", (date(2026, 2, 1), 500, pipes, 10), (date(2026, 5, 1), 700, valves, 10))
        # records leaving the 12 months, the current and the previous period at D1
        customer("year edge", (D0 - timedelta(days=364), 900, pipes, 5))
        customer("period edge", (D0 - timedelta(days=89), 400, valves, 5))
        customer(
            "previous edge",
            (date(2025, 12, 1), 300, pipes, 5),
            (D0 - timedelta(days=179), 300, valves, 5),
        )
        # receivables growing older, one falling due at D1
        customer("overdue", (date(2026, 5, 1), 800, pipes, 0))
        falls_due = customer("falls due", (D0 - timedelta(days=31), 600, valves, 0))
        falls_due.invoice_ids.line_ids.filtered("date_maturity").date_maturity = D0
        # silent for the interruption delay at D1, a day on no window's bound
        cls.env["ir.config_parameter"].set_param(INTERRUPT_DAYS.key, 200)
        customer("silent", (D1 - timedelta(days=200), 650, pipes, 3))
        # a month more as a customer at D1
        customer(
            "anniversary", (date(2025, 1, 11), 450, pipes, 4), (date(2026, 4, 2), 450, valves, 4)
        )
        # the few changed at D1
        customer("buys again", (date(2026, 4, 20), 300, pipes, 5))
        customer("pays", (date(2026, 5, 20), 1200, valves, 0))
        customer("new limit", (date(2026, 4, 5), 350, pipes, 8))
        customer("emails", (date(2026, 3, 30), 250, valves, 8))
        customer("wallet", (date(2026, 4, 15), 1500, pipes, 8))
        cls.people["emails"].child_ids = [(0, 0, {"name": "Ms. Lin", "email": "lin@emails.test"})]
        # a contact leaving the current period at D1
        called = customer("called", (date(2026, 4, 12), 380, valves, 8))
        email = called.message_post(body="Our order", author_id=called.id, message_type="email")
        email.date = datetime.combine(D0 - timedelta(days=89), time(10))
        # a contact due at D0, late at D1
        due = customer("contact due", (date(2026, 4, 22), 420, pipes, 8))
        email = due.message_post(body="Thanks", author_id=due.id, message_type="email")
        email.date = datetime.combine(D0 - timedelta(days=45), time(10))
        customer("evaluated", (date(2026, 4, 24), 560, valves, 8))
        # a share that takes a stage a night to climb to
        cls.env["crm.customer.wallet"].create(
            {
                "partner_id": customer("climbing", (date(2026, 4, 10), 900, pipes, 8)).id,
                "total_spend": 1000,
                "date_from": date(2026, 1, 1),
                "date_to": date(2026, 12, 31),
            }
        )
        # records deleted at D1: no date of change tells
        forgot = customer("deleted email", (date(2026, 4, 26), 330, pipes, 8))
        cls.deleted_email = forgot.message_post(
            body="Hi", author_id=forgot.id, message_type="email"
        )
        cls.deleted_email.date = datetime.combine(D0 - timedelta(days=10), time(10))
        cls.deleted_wallet = cls.env["crm.customer.wallet"].create(
            {
                "partner_id": customer("deleted wallet", (date(2026, 4, 28), 900, valves, 8)).id,
                "total_spend": 1000,
                "date_from": date(2026, 1, 1),
                "date_to": date(2026, 12, 31),
            }
        )

    @classmethod
    def _pay_class(cls, invoice, when):
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": when})
        )
        wizard._create_payments()

    # Helpers ----------------------------------------------------------------------------

    def _night(self, day, full=False):
        """The cron's pass and warning rules of ``day``; the ids the pass measured, for all
        the measures (``None``) and for some sources only (their names), and those whose
        credit alone it scored again (``"credit"``)."""
        measured = {}
        Metrics = type(self.Metrics)
        measure = Metrics._measure

        apply_credit = Metrics._pass_apply_credit

        def recording(model, partner_ids, today, sources=None):
            if partner_ids:
                measured.setdefault(sources and tuple(sources), set()).update(partner_ids)
            return measure(model, partner_ids, today, sources)

        def recording_credit(model, partners, today):
            if partners:
                measured.setdefault("credit", set()).update(partners.ids)
            return apply_credit(model, partners, today)

        Cron = type(self.env["ir.cron"])
        with (
            freeze_time(datetime.combine(day, time(1))),
            patch.object(Metrics, "_measure", recording),
            patch.object(Metrics, "_pass_apply_credit", recording_credit),
            patch.object(Cron, "_commit_progress", return_value=100),
        ):
            self.Metrics.with_context(crm_full_pass=full)._cron_refresh()
            self.Rule._cron_evaluate()
        self.env.invalidate_all()
        return measured

    def _state(self):
        """What the passes and rules wrote: their tables' rows, the customers' pass columns
        in this company and the messages and activities on customers."""
        self.env.flush_all()
        state = {}
        for table in TABLES:
            columns = [
                name
                for (name,) in self.env.execute_query(
                    SQL(
                        "SELECT column_name FROM information_schema.columns"
                        " WHERE table_name = %s ORDER BY column_name",
                        table,
                    )
                )
                if name not in AUDIT
            ]
            rows = self.env.execute_query(
                SQL(
                    "SELECT %s FROM %s",
                    SQL(", ").join(SQL("%s::text", SQL.identifier(col)) for col in columns),
                    SQL.identifier(table),
                )
            )
            state[table] = sorted(rows, key=str)
        Partner = self.env["res.partner"]
        names = sorted(name for name in PASS_OWNED_FIELDS if Partner._fields[name].store)
        state["partners"] = self.env.execute_query(
            SQL(
                "SELECT p.id, %s FROM res_partner p ORDER BY p.id",
                SQL(", ").join(
                    SQL("(%s)::text", Partner._fields[name].to_sql(Partner, "p")) for name in names
                ),
            )
        )
        state["partial_churn_categories"] = sorted(
            self.env.execute_query(
                SQL(
                    """SELECT pc.partner_id, pc.company_id, pc.period_start, rel.category_id
                         FROM crm_customer_partial_churn_category_rel rel
                         JOIN crm_customer_partial_churn pc ON pc.id = rel.partial_churn_id"""
                )
            )
        )
        state["messages"] = self.env.execute_query(
            SQL(
                """SELECT res_id, subtype_id, message_type, body::text, COUNT(*)
                     FROM mail_message WHERE model = 'res.partner'
                 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""
            )
        )
        state["activities"] = self.env.execute_query(
            SQL(
                """SELECT res_id, activity_type_id, date_deadline, user_id, summary, COUNT(*)
                     FROM mail_activity WHERE res_model = 'res.partner'
                 GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"""
            )
        )
        return state

    def assertSameState(self, incremental_state, full_state):
        """Equal states, else the rows of each part that only one of them has."""
        differences = {
            part: {
                "incremental only": sorted(set(rows) - set(full_state[part]), key=str)[:5],
                "full only": sorted(set(full_state[part]) - set(rows), key=str)[:5],
            }
            for part, rows in incremental_state.items()
            if rows != full_state[part]
        }
        self.assertFalse(differences, "the incremental night differs from a full one")

    def _change_a_few(self):
        people = self.people
        with freeze_time(datetime.combine(D1, time(9))):
            self._invoice_lines(people["buys again"], D1, [(self.products[2], 9000)])
            self._pay(people["pays"].invoice_ids, D1)
            people["new limit"].credit_limit = 100
            email = people["emails"].message_post(
                body="Please quote", author_id=people["emails"].child_ids.id, message_type="email"
            )
            email.date = datetime.combine(D0 - timedelta(days=3), time(9))  # sent days ago
            self.env["crm.customer.evaluation"].create(
                {
                    "partner_id": people["evaluated"].id,
                    "criterion_id": self.env["crm.customer.evaluation.criterion"].search([])[0].id,
                    "score": 40,
                    "scored": True,
                }
            )
            self.deleted_email.unlink()
            self.deleted_wallet.unlink()
            self.env["crm.customer.wallet"].create(
                {
                    "partner_id": people["wallet"].id,
                    "total_spend": 5000,
                    "date_from": date(2026, 1, 1),
                    "date_to": date(2026, 12, 31),
                }
            )

    # The proof ----------------------------------------------------------------------------

    def test_incremental_night_equals_a_full_one(self):
        age_writes(self.env)
        self._night(D0 - timedelta(days=1))  # first placements
        self._night(D0, full=True)  # a first step of the climbs
        mark = incremental.mark_from(get_setting(self.env, METRICS_MARK))
        self.assertEqual((mark.day, mark.full_day), (D0, D0))
        age_writes(self.env)
        self._change_a_few()
        before = self._state()
        with self.assertRaises(Rollback), self.env.cr.savepoint():
            nightly = self._night(D1)
            stored = get_setting(self.env, METRICS_MARK)
            incremental_state = self._state()
            raise Rollback
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertEqual(self._state(), before, "the incremental night was undone")
        everyone = self._night(D1, full=True)
        self.assertSameState(incremental_state, self._state())

        self.assertIsNone(stored["full"], "the night was incremental")
        ids = {name: partner.id for name, partner in self.people.items()}
        measured, aging, credit = nightly[None], nightly[AGING_SOURCES], nightly["credit"]
        self.assertEqual(set(everyone), {None}, "a full pass measures all, for all measures")
        self.assertIn(ids["quiet"], everyone[None])
        self.assertNotIn(ids["quiet"], measured | aging | credit)

        def named(pids):
            return {name for name, pid in ids.items() if pid in pids}

        self.assertEqual(named(aging), {"overdue", "falls due"}, "their receivable alone moved")
        # their credit alone moved: scored again, unless their rank moved too
        alone = {"overdue", "falls due", "anniversary"}
        self.assertLessEqual(named(credit), alone)
        self.assertIn("overdue", named(credit))
        self.assertEqual(named(measured), set(ids) - {"quiet"} - alone)
        self.assertLess(len(measured | aging), len(everyone[None]))

    def test_a_full_pass_is_due_weekly_monthly_and_after_a_setting_changed(self):
        self._night(D0)
        plan = self.Metrics._pass_plan
        with freeze_time(D1):
            self.assertIsNone(plan(D1).full)
        self.assertEqual(plan(D0 + timedelta(days=7)).full, incremental.DUE)
        self.assertEqual(plan(date(2026, 7, 1)).full, incremental.MONTH)
        self.assertEqual(plan(D0 - timedelta(days=1)).full, incremental.BACKWARDS)
        self.env["ir.config_parameter"].set_param(INTERRUPT_DAYS.key, 150)
        self.assertEqual(plan(D1).full, incremental.SETTINGS)
        self.env["ir.config_parameter"].set_param(INTERRUPT_DAYS.key, 200)
        self.assertIsNone(plan(D1).full)
        self.env["crm.credit.factor"].search([], limit=1).weight += 1
        self.assertEqual(plan(D1).full, incremental.SETTINGS)

    def test_a_supervisor_asks_for_a_full_pass_a_rep_cannot(self):
        self._night(D0)
        rep = new_test_user(self.env, "incremental.rep", groups=REP)
        supervisor = new_test_user(self.env, "incremental.supervisor", groups=SUPERVISOR)
        Metrics = self.env["crm.customer.metrics"]
        with self.assertRaises(AccessError):
            Metrics.with_user(rep).action_full_pass()
        self.assertIsNone(self.Metrics._pass_plan(D1).full)
        cron = self.env.ref("crm_customer_mgmt.ir_cron_customer_metrics")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        action = Metrics.with_user(supervisor).action_full_pass()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1
        )
        self.assertEqual(self.Metrics._pass_plan(D1).full, incremental.REQUESTED)
        everyone = self._night(D1)
        self.assertIn(self.people["quiet"].id, everyone[None])
        self.assertIsNone(self.Metrics._pass_plan(D1 + timedelta(days=1)).full)
