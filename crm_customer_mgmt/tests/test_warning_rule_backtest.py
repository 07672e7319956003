from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..wizard import crm_customer_warning_backtest
from .common import REP, MetricsCase

TODAY = date(2026, 6, 15)
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman"


@tagged("post_install", "-at_install")
class TestWarningRuleBacktest(MetricsCase):
    """A rule tried at past month-ends on a history of invoices and payments at known dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, login="backtest_mgr", groups=MANAGER)
        cls.rep = new_test_user(cls.env, login="backtest_rep", groups=REP)
        cls.late_then_paid = cls._customer("Late Then Paid")
        cls.late_now = cls._customer("Late Now")
        cls.punctual = cls._customer("Always Punctual")
        cls.customers = cls.late_then_paid | cls.late_now | cls.punctual
        cls.rule = cls.env["crm.customer.warning.rule"].create(
            {
                "name": "Overdue a month",
                "metric": "overdue_days",
                "operator": ">=",
                "threshold": 30,
                "partner_domain": repr([("id", "in", cls.customers.ids)]),
                "active": False,  # a draft
            }
        )

    def setUp(self):
        super().setUp()
        # overdue from Dec 25 to its payment on Mar 10
        self._pay(self._invoice(self.late_then_paid, date(2025, 11, 25), 800), date(2026, 3, 10))
        # overdue from Apr 19 on
        self._invoice(self.late_now, date(2026, 3, 20), 500)
        self._pay(self._invoice(self.punctual, date(2026, 1, 10), 300), date(2026, 1, 10))
        self._pass(self.customers, TODAY)

    def _backtest(self, **values):
        wizard = (
            self.env["crm.customer.warning.backtest"]
            .with_user(self.manager)
            .create({"rule_id": self.rule.id, "months": 6, **values})
        )
        with freeze_time(TODAY):
            action = wizard.action_run()
        return wizard, action

    def _figures(self, wizard):
        figures = {}
        for line in wizard.line_ids:
            figures.setdefault(line.period, {})[line.figure] = line.count
        return {
            period: (values["opened"], values["resolved"], values["live"])
            for period, values in figures.items()
        }

    def test_month_end_counts_of_a_draft_rule(self):
        Metrics = type(self.env["crm.customer.metrics"])
        days, measure = Metrics._measure_as_of_days, Metrics._measure_into_temporary_table
        with (
            patch.object(Metrics, "_measure_as_of_days", autospec=True, side_effect=days) as spy,
            patch.object(
                Metrics, "_measure_into_temporary_table", autospec=True, side_effect=measure
            ) as statements,
        ):
            wizard, action = self._backtest()
        self.assertEqual(statements.call_count, 7, "one measuring per month-end, the baseline too")
        self.assertEqual(spy.call_count, 1)
        self.assertEqual(
            sorted(spy.call_args.args[1]),
            sorted(self.customers.ids),
            "all the customers in scope at once",
        )
        self.assertEqual(
            self._figures(wizard),
            {  # opened, resolved, live
                "2025-12-31": (1, 0, 1),
                "2026-01-31": (0, 0, 1),
                "2026-02-28": (0, 0, 1),
                "2026-03-31": (0, 1, 0),
                "2026-04-30": (1, 0, 1),
                "2026-05-31": (0, 0, 1),
                "2026-06-15 (today)": (0, 0, 1),
            },
        )
        self.assertEqual((wizard.months_done, wizard.stopped), (6, False))
        self.assertEqual(wizard.current_matches, 1)
        self.assertIn("6 of 6 month-ends back-tested", wizard.summary)
        self.assertEqual(action["res_model"], "crm.customer.warning.backtest.line")
        self.assertIn("6 of 6 month-ends, 1 matching today", action["name"])
        self.assertFalse(self.rule.warning_ids, "a back-test opens nothing")
        self.assertFalse(self.rule.active)

    def test_stops_before_the_time_limit_and_says_so(self):
        calls = iter(range(1, 100))
        with patch.object(
            crm_customer_warning_backtest, "_seconds_since", lambda _started: 10 * next(calls)
        ):
            wizard, action = self._backtest(time_limit=45)
        # after n month-ends, 10 n seconds: the next would end at 10 (n + 1) > 45 at n = 4
        self.assertTrue(wizard.stopped)
        self.assertEqual(wizard.months_done, 3)
        self.assertEqual(
            sorted(self._figures(wizard)),
            ["2026-03-31", "2026-04-30", "2026-05-31", "2026-06-15 (today)"],
            "the newest month-ends first",
        )
        self.assertIn("Stopped before the time limit of 45 seconds", wizard.summary)
        self.assertIn("(stopped at the time limit)", action["name"])

    def test_settings_are_validated(self):
        Backtest = self.env["crm.customer.warning.backtest"].with_user(self.manager)
        for values in ({"months": 5}, {"months": 13}, {"time_limit": 0}, {"time_limit": 601}):
            with self.subTest(**values), self.assertRaises(ValidationError):
                Backtest.create({"rule_id": self.rule.id, **values})

    def test_reps_cannot_backtest(self):
        with self.assertRaises(AccessError):
            self.env["crm.customer.warning.backtest"].with_user(self.rep).create(
                {"rule_id": self.rule.id}
            )
        wizard = (
            self.env["crm.customer.warning.backtest"]
            .with_user(self.manager)
            .create({"rule_id": self.rule.id})
        )
        with self.assertRaises(AccessError):
            wizard.with_user(self.rep).action_run()
