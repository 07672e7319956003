import logging
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import sql_db
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..models.crm_customer_metrics_pass import PASS_LOCK
from ..models.crm_customer_warning_rule import RUN_LOCK
from ..models.settings import METRICS_CURSOR
from ..models.tools import _lock_key
from .common import MetricsCase

TODAY = date(2026, 6, 30)
METRICS_LOGGER = "odoo.addons.crm_customer_mgmt.models.crm_customer_metrics_pass"
RULE_LOGGER = "odoo.addons.crm_customer_mgmt.models.crm_customer_warning_rule_run"


@tagged("post_install", "-at_install")
class TestSecurityConcurrency(MetricsCase):
    """One metrics pass and one rule run at a time per company, proven with a second, real
    database connection playing the run already going on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Jiahe Distribution")
        cls._invoice(cls, cls.customer, date(2026, 3, 1), 1000)  # due that day
        cls.Rule = cls.env["crm.customer.warning.rule"]
        cls.Rule.sudo().search([]).active = False
        cls.rule = cls.Rule.create(
            {"name": "Overdue", "metric": "overdue_days", "operator": ">=", "threshold": 30}
        )
        cls.env["ir.config_parameter"].set_param(METRICS_CURSOR.key_in(cls.env), "")

    # The other run, on its own connection -----------------------------------------------

    def _other_connection(self):
        cursor = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(cursor.close)
        return cursor

    def _hold(self, name, company):
        """Another run of ``name`` in ``company`` holds its lock until the test ends."""
        other = self._other_connection()
        key = _lock_key(name, company.id)
        other.execute(SQL("SELECT pg_advisory_lock(%s, %s)", *key))
        self.addCleanup(other.execute, SQL("SELECT pg_advisory_unlock(%s, %s)", *key))

    def _is_free(self, name, company):
        """Whether another connection could start a run of ``name`` in ``company`` now."""
        other = self._other_connection()
        key = _lock_key(name, company.id)
        other.execute(SQL("SELECT pg_try_advisory_lock(%s, %s)", *key))
        taken = other.fetchone()[0]
        if taken:
            other.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", *key))
        return taken

    def _commits(self):
        return patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=100)

    def _measured(self):
        return (
            self.env["crm.customer.metrics"]
            .sudo()
            .search(
                [("partner_id", "=", self.customer.id), ("company_id", "=", self.env.company.id)]
            )
        )

    def _history_and_notes(self):
        self.customer.invalidate_recordset()
        return (
            len(self.customer.customer_stage_history_ids),
            len(self.customer.credit_grade_history_ids),
            len(self.customer.message_ids),
        )

    def _warnings(self):
        return self.env["crm.customer.warning"].search([("rule_id", "=", self.rule.id)])

    # Metrics pass -----------------------------------------------------------------------

    def test_a_second_pass_steps_aside_quietly(self):
        self._hold(PASS_LOCK, self.env.company)
        company = self.env.company
        with (
            patch.object(type(self.Metrics), "_pass_companies", lambda model: company),
            self._commits() as commit,
            freeze_time(TODAY),
            self.assertNoLogs(level=logging.ERROR),
            self.assertLogs(METRICS_LOGGER, logging.INFO) as logs,
        ):
            self.Metrics._cron_refresh()
        self.assertEqual(len(logs.output), 1)
        self.assertIn("already running: this one stops", logs.output[0])
        commit.assert_not_called()
        self.assertFalse(self._measured())
        self.assertFalse(self.customer.customer_stage_history_ids)
        cursor = self.env["ir.config_parameter"].get_param(METRICS_CURSOR.key_in(self.env))
        self.assertFalse(cursor)

    def test_a_pass_held_in_one_company_leaves_the_others_running(self):
        self._hold(PASS_LOCK, self.env.company)
        with self._commits(), freeze_time(TODAY), mute_logger(METRICS_LOGGER):
            self.Metrics._cron_refresh()
        self.assertFalse(self._measured(), "the company whose pass runs elsewhere")
        others = (
            self.env["crm.customer.metrics"].sudo().search([("partner_id", "=", self.customer.id)])
        )
        self.assertEqual(
            others.company_id,
            self.Metrics._pass_companies() - self.env.company,
            "every other company measured its customers",
        )

    def test_refresh_and_run_manually_refuse_while_a_pass_runs(self):
        self._hold(PASS_LOCK, self.env.company)
        with self.assertRaises(UserError) as caught, freeze_time(TODAY):
            self.customer.action_refresh_relationship()
        self.assertIn("already running", str(caught.exception))
        self.assertFalse(self._measured())
        cron = self.env.ref("crm_customer_mgmt.ir_cron_customer_metrics")
        if cron.user_id.company_id != self.env.company:  # the cron measures its user's
            self._hold(PASS_LOCK, cron.user_id.company_id)
        with self.assertRaises(UserError) as caught:
            cron.method_direct_trigger()
        self.assertIn("metrics pass", str(caught.exception))

    def test_refresh_runs_when_no_pass_does(self):
        with freeze_time(TODAY):
            self.customer.action_refresh_relationship()
        self.assertEqual(self._measured().sales_12m, 1000)

    def test_a_pass_done_today_does_not_rerun(self):
        with self._commits(), freeze_time(TODAY):
            self.Metrics._cron_refresh()
            self.assertEqual(self._measured().sales_12m, 1000)
            logged = self._history_and_notes()
            self._invoice(self.customer, date(2026, 6, 29), 500)
            self.Metrics._cron_refresh()  # a second pass the same day
        self.assertEqual(self._measured().sales_12m, 1000, "not measured again")
        self.assertEqual(self._history_and_notes(), logged, "no second history row or note")
        cursor = self.env["ir.config_parameter"].get_param(METRICS_CURSOR.key_in(self.env))
        self.assertEqual(cursor, f"{TODAY}:done")
        self.assertTrue(self._is_free(PASS_LOCK, self.env.company))
        with self._commits(), freeze_time(date(2026, 7, 1)):
            self.Metrics._cron_refresh()
        self.assertEqual(self._measured().sales_12m, 1500, "the next day's pass runs")

    def test_the_pass_lock_is_released_after_an_exception(self):
        with (
            self._commits(),
            freeze_time(TODAY),
            patch.object(type(self.Metrics), "_measure", side_effect=ZeroDivisionError),
            self.assertRaises(ZeroDivisionError),
        ):
            self.Metrics._cron_refresh()
        self.assertTrue(self._is_free(PASS_LOCK, self.env.company))

    # Warning rules ----------------------------------------------------------------------

    def test_run_now_and_run_manually_refuse_while_rules_run(self):
        self._hold(RUN_LOCK, self.rule.company_id)
        self._pass(self.customer, TODAY)
        with self.assertRaises(UserError) as caught, freeze_time(TODAY):
            self.rule.action_run()
        self.assertIn("already running", str(caught.exception))
        self.assertFalse(self._warnings())
        self.assertFalse(self.rule.last_run)
        cron = self.env.ref("crm_customer_mgmt.ir_cron_customer_warnings")
        with self.assertRaises(UserError):
            cron.method_direct_trigger()

    def test_a_second_rule_run_steps_aside_quietly(self):
        self._hold(RUN_LOCK, self.rule.company_id)
        self._pass(self.customer, TODAY)
        with (
            self._commits() as commit,
            freeze_time(TODAY),
            self.assertNoLogs(level=logging.ERROR),
            self.assertLogs(RULE_LOGGER, logging.INFO) as logs,
        ):
            self.Rule._cron_evaluate()
        self.assertEqual(len(logs.output), 1)
        self.assertIn("already running: left to that run", logs.output[0])
        commit.assert_not_called()
        self.assertFalse(self._warnings())
        self.assertFalse(self.rule.last_run or self.rule.last_error)

    def test_rules_run_and_release_their_lock(self):
        self._pass(self.customer, TODAY)
        with self._commits(), freeze_time(TODAY):
            self.Rule._cron_evaluate()
        self.assertEqual(self._warnings().partner_id, self.customer)
        self.assertTrue(self._is_free(RUN_LOCK, self.rule.company_id))
        with freeze_time(TODAY):
            self.rule.action_run()  # the button, after the cron
        self.assertEqual(len(self._warnings()), 1, "no second warning")

    def test_the_rule_lock_is_released_after_an_exception(self):
        with (
            self._commits(),
            patch.object(type(self.Rule), "_evaluate_all", side_effect=ZeroDivisionError),
            self.assertRaises(ZeroDivisionError),
            mute_logger(RULE_LOGGER),
        ):
            self.Rule._cron_evaluate()
        self.assertTrue(self._is_free(RUN_LOCK, self.rule.company_id))
