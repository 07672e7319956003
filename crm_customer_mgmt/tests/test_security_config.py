import logging
import time
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..models import crm_customer_warning_rule_scope, settings
from ..models.settings import get_setting
from ..models.tools import owned_writer
from .common import MetricsCase

TODAY = date(2026, 6, 30)
REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
RULE_LOGGER = "odoo.addons.crm_customer_mgmt.models.crm_customer_warning_rule_run"


@tagged("post_install", "-at_install")
class TestSecurityConfig(MetricsCase):
    """Configuration an admin types is refused on save when it would break the ladders,
    and read safely when it is stored anyway."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Params = cls.env["ir.config_parameter"].sudo()
        cls.Rule = cls.env["crm.customer.warning.rule"]
        cls.customer = cls._customer("Hengtai Trading")
        cls.stable = cls.env.ref("crm_customer_mgmt.stage_stable")
        cls.rep = new_test_user(cls.env, login="config_rep", groups=REP)
        cls.watch = cls.env["crm.credit.grade"].create(
            {"name": "Watch", "min_score": 30, "block_order_confirmation": True}
        )

    # Stages -----------------------------------------------------------------------------

    def test_stage_sequence_out_of_share_order_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.stable.sequence = 5  # before Development (0-30 %) and Initial (30-50 %)
        self.assertIn("ordered by their share bands", str(caught.exception))
        self.assertEqual(self.stable.sequence, 30)
        self.stable.sequence = 35  # still between Initial and Strategic
        self.assertEqual(self.stable.sequence, 35)

    # Credit grades ----------------------------------------------------------------------

    def _holder(self):
        owned_writer(self.customer).write(
            {"user_id": self.rep.id, "credit_grade_id": self.watch.id, "credit_score": 31}
        )
        return self.customer

    def test_a_held_grade_cannot_be_deleted(self):
        customer = self._holder()
        with self.assertRaises(UserError) as caught:
            self.watch.unlink()
        self.assertIn("Watch is held by 1 customers", str(caught.exception))
        self.assertIn("archive it instead", str(caught.exception))
        self.assertTrue(self.watch.exists())
        self.assertEqual(customer.credit_grade_id, self.watch)
        self.assertTrue(customer.credit_blocks_orders, "its policy still applies")
        spare = self.env["crm.credit.grade"].create({"name": "Spare", "min_score": 35})
        spare.unlink()
        self.assertFalse(spare.exists(), "a grade nobody holds can go")

    def test_an_archived_grade_binds_its_customers_until_the_next_pass(self):
        customer = self._holder()
        self.watch.active = False
        self.assertEqual(customer.credit_grade_id, self.watch)
        order = (
            self.env["sale.order"]
            .with_user(self.rep)
            .create(
                {
                    "partner_id": customer.id,
                    "order_line": [Command.create({"product_id": self.products[0].id})],
                }
            )
        )
        with self.assertRaises(UserError):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self._pass(customer, TODAY)
        self.assertTrue(customer.credit_grade_id.active, "regraded among the active grades")
        self.assertNotEqual(customer.credit_grade_id, self.watch)
        self.watch.unlink()  # held by nobody now
        self.assertFalse(self.watch.exists())

    # Partner fields ---------------------------------------------------------------------

    def test_negative_annual_sales_target_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.customer.annual_sales_target = -50000
        self.assertIn("cannot be negative", str(caught.exception))
        self.assertEqual(self.customer.annual_sales_target, 0)
        self.customer.annual_sales_target = 120000
        self.assertEqual(self.customer.annual_sales_target, 120000)

    # Settings ---------------------------------------------------------------------------

    def test_bad_settings_are_refused_when_written_directly(self):
        cases = [
            (settings.PERIOD_DAYS, "abc", "a whole number from 7 to 366"),
            (settings.PERIOD_DAYS, "3", "a whole number from 7 to 366"),
            (settings.ABC_A, "nan", "a number from 0 to 100"),
            (settings.CARE_DAYS, "1e3", "a whole number from 0 to 60"),
            (settings.UNOWNED_RESPONSIBLE, "admin", "the id of a record"),
            (settings.COMPLETENESS_FIELDS, "phone,password", "card field names"),
            (settings.METRICS_CURSOR, "yesterday:12", "a date and the last customer"),
        ]
        self.Params.set_param(settings.PERIOD_DAYS.key, "30")
        for setting, value, message in cases:
            with self.subTest(key=setting.key, value=value):
                with self.assertRaises(ValidationError) as caught:
                    self.Params.set_param(setting.key_in(self.env), value)
                self.assertIn(message, str(caught.exception))
                self.assertIn(f"not “{value}”", str(caught.exception))
        param = self.Params.search([("key", "=", settings.PERIOD_DAYS.key)])
        with self.assertRaises(ValidationError):
            param.write({"value": "90 days"})
        with self.assertRaises(ValidationError):
            self.Params.create({"key": settings.INTERRUPT_DAYS.key, "value": "-1"})
        with self.assertRaises(ValidationError):
            self.Params.create({"key": "other", "value": "abc"}).key = settings.ABC_B.key
        self.assertEqual(self.Params.get_param(settings.PERIOD_DAYS.key), "30")
        self.assertFalse(self.Params.get_param(settings.INTERRUPT_DAYS.key))
        self.Params.set_param("some.other.key", "abc")  # not ours: not checked

    def test_settings_form_refuses_out_of_range(self):
        with self.assertRaises(ValidationError) as caught:
            self.env["res.config.settings"].create({"care_reminder_days": 61})
        self.assertIn("between 0 and 60, not 61", str(caught.exception))

    def _store_raw(self, setting, value):
        """A value stored behind the checks' back (SQL, an older version)."""
        self.env.execute_query(
            SQL(
                "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                setting.key_in(self.env),
                value,
            )
        )
        self.env.registry.clear_cache("stable")

    def test_a_bad_stored_setting_falls_back_with_one_warning(self):
        self._store_raw(settings.PERIOD_DAYS, "abc")
        self._store_raw(settings.ABC_A, "80%")
        self._store_raw(settings.METRICS_CURSOR, "2026-06-30:oops")
        with (
            patch.object(settings, "_warned", set()),
            self.assertLogs(
                "odoo.addons.crm_customer_mgmt.models.settings", logging.WARNING
            ) as logs,
        ):
            self.assertEqual(get_setting(self.env, settings.PERIOD_DAYS), 90)
            self.assertEqual(get_setting(self.env, settings.PERIOD_DAYS), 90)
            self._invoice(self.customer, date(2026, 5, 1), 100)
            self._pass(self.customer, TODAY)  # reads the period: no crash
            with freeze_time(TODAY):
                self.env["crm.customer.metrics"].sudo()._ranks()
                todo = self.env["crm.customer.metrics"].sudo()._pass_todo(TODAY).todo
        self.assertEqual(self.customer.last_order_date, date(2026, 5, 1))
        self.assertIn(self.customer.id, todo, "a bad cursor restarts the day's pass")
        period_warnings = [line for line in logs.output if settings.PERIOD_DAYS.key in line]
        self.assertEqual(len(period_warnings), 1, "one warning per bad value")
        self.assertIn("'abc'", period_warnings[0])
        values = self.env["res.config.settings"].default_get(["metrics_period_days"])
        self.assertEqual(values["metrics_period_days"], 90, "Settings show the value in use")

    def test_settings_are_declared_once(self):
        fields = self.env["res.config.settings"]._fields
        for name, setting in (
            ("metrics_period_days", settings.PERIOD_DAYS),
            ("care_reminder_days", settings.CARE_DAYS),
            ("card_stale_days", settings.CARD_STALE_DAYS),
            ("abc_a_share", settings.ABC_A),
            ("unowned_responsible_id", settings.UNOWNED_RESPONSIBLE),
        ):
            self.assertEqual(fields[name].config_parameter, setting.key)
        self.Params.set_param(settings.CARD_STALE_DAYS.key, "30")
        self.assertEqual(self.env["res.partner"]._card_stale_days(), 30)

    # Rule scopes ------------------------------------------------------------------------

    def _rule(self, scope):
        return self.Rule.create(
            {"name": "Scoped", "metric": "overdue_days", "threshold": 30, "partner_domain": scope}
        )

    def test_scopes_are_literals_only(self):
        cases = [
            ("[('id', '=', 9**9**9)]", "operators are not allowed, only plain values: 9 ** 9"),
            ("[('name', '=', __import__('os'))]", "function calls are not allowed"),
            ("[('user_id', '=', uid)]", "names are not allowed, write the value itself: uid"),
            (  # the domain editor's "today"
                '[("date", "=", context_today().strftime("%Y-%m-%d"))]',
                "relative dates included (write a fixed date)",
            ),
            ("[('id', '=', 123456789012345678901234567890)]", "the number 1234"),
            ("[('id', 'in', {1, 2})]", "only lists, tuples, text, numbers"),
            ("[('name', '=', 'a'", "it is not a list of conditions"),
            ("('name', '=', 'a')", "each condition must be"),
            ("[('name', '=')]", "each condition must be"),
            ("[" + "1, " * 40000 + "]", "longer than 100000 characters"),
            ("[('no_such_field', '=', 1)]", "no_such_field"),
        ]
        for scope, message in cases:
            with self.subTest(scope=scope[:40]):
                started = time.monotonic()
                with self.assertRaises(ValidationError) as caught:
                    self._rule(scope)
                self.assertLess(time.monotonic() - started, 2, "refused without computing")
                self.assertIn("is not a valid filter on customers", str(caught.exception))
                self.assertIn(message, str(caught.exception))
        rule = self._rule("[]")
        with self.assertRaises(ValidationError):
            rule.partner_domain = "[('id', '=', 9**9**9)]"
        self.assertEqual(rule.partner_domain, "[]")

    def test_scopes_the_domain_editor_writes_are_accepted(self):
        scope = (
            '["&", ("customer_rank", ">", 0), "|", ("name", "ilike", "Hengtai"),'
            ' ("credit_score", ">=", -1.5), ("category_id", "not in", [1, 2]),'
            ' ("vat", "=", False), (1, "=", 1)]'
        )
        rule = self._rule(scope)
        self.assertEqual(rule.partner_domain, scope)
        self.assertIn(self.customer.id, rule._scope_ids(self.env["res.partner"]))

    def test_a_slow_scope_is_cut_short_and_reported_on_the_rule(self):
        rule = self._rule("[]")
        self.Rule.search([("id", "!=", rule.id)]).active = False
        timeout = self.env.execute_query(SQL("SHOW statement_timeout"))[0][0]
        slow = SQL("SELECT id FROM res_partner, pg_sleep(30)")
        with (
            patch.object(crm_customer_warning_rule_scope, "SCOPE_TIMEOUT_MS", 50),
            patch.object(type(rule), "_scope_query", return_value=slow),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=100),
            mute_logger(RULE_LOGGER),
            self.assertNoLogs("odoo.sql_db", logging.ERROR),
            freeze_time(TODAY),
        ):
            started = time.monotonic()
            self.Rule._cron_evaluate()
        self.assertLess(time.monotonic() - started, 20, "cut short, not slept through")
        self.assertIn("took longer than 0.05 seconds to search", rule.last_error)
        self.assertNotIn("Traceback", rule.last_error)
        self.assertTrue(rule.failed)
        self.assertEqual(self.env.execute_query(SQL("SHOW statement_timeout"))[0][0], timeout)

    def test_a_scope_search_leaves_the_timeout_as_it_was(self):
        rule = self._rule(f"[('id', '=', {self.customer.id})]")
        timeout = self.env.execute_query(SQL("SHOW statement_timeout"))[0][0]
        self.assertEqual(rule._scope_ids(self.env["res.partner"]), self.customer.ids)
        self.assertEqual(self.env.execute_query(SQL("SHOW statement_timeout"))[0][0], timeout)

    def test_last_error_is_for_supervisors_only(self):
        rule = self._rule("[]")
        rule.sudo().last_error = "Scope too slow"
        self.assertTrue(rule.with_user(self.rep).failed, "reps see that it failed")
        self.assertNotIn("last_error", rule.with_user(self.rep).fields_get())
        self.assertEqual(rule.last_error, "Scope too slow")
