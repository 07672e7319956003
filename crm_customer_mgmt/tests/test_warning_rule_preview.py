from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models import crm_customer_warning_rule
from .common import REP, MetricsCase

TODAY = date(2026, 6, 30)
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman"


@contextmanager
def _nothing_free(_env, _name, _company_ids, **_kwargs):
    """Another run holds every company's lock."""
    yield []


@tagged("post_install", "-at_install")
class TestWarningRulePreview(MetricsCase):
    """The preview lists what a run would do, customer by customer, and runs the rule for
    the customers it lists only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Warning = cls.env["crm.customer.warning"]
        cls.manager = new_test_user(cls.env, login="preview_mgr", groups=MANAGER)
        cls.rep = new_test_user(cls.env, login="preview_rep", groups=REP)
        names = ("Late New", "Late Twice", "Late Known", "Paid Known", "Paid Quiet")
        cls.late_new, cls.late_twice, cls.late_known, cls.paid_known, cls.paid_quiet = (
            cls._customer(name) for name in names
        )
        cls.customers = cls.late_new | cls.late_twice | cls.late_known | cls.paid_known
        cls.customers |= cls.paid_quiet
        cls.rule = cls.env["crm.customer.warning.rule"].create(
            {
                "name": "Overdue a month",
                "metric": "overdue_days",
                "operator": ">=",
                "threshold": 30,
                "partner_domain": repr([("id", "in", cls.customers.ids)]),
                "max_new_warnings": 1,
            }
        )

    def setUp(self):
        super().setUp()
        for partner in self.late_new | self.late_twice | self.late_known:
            self._invoice(partner, date(2026, 4, 1), 500)  # 90 days overdue
        for partner in self.paid_known | self.paid_quiet:
            self._pay(self._invoice(partner, date(2026, 4, 1), 500), date(2026, 4, 2))
        self._pass(self.customers, TODAY)
        # live warnings from earlier runs: one still true, one no longer
        self.known = self.Warning.create(
            [
                {"rule_id": self.rule.id, "partner_id": partner.id, "value": 40, "threshold": 30}
                for partner in (self.late_known, self.paid_known)
            ]
        )

    def _preview(self, rule=None, user=None):
        rule = (rule or self.rule).with_user(user or self.manager)
        with freeze_time(TODAY):
            action = rule.action_preview()
        self.assertEqual(action["res_model"], "crm.customer.warning.preview")
        return rule.env["crm.customer.warning.preview"].browse(action["res_id"])

    def _marks(self, preview):
        return {line.partner_id: line.mark for line in preview.line_ids}

    def test_marks_counts_and_the_cap(self):
        preview = self._preview()
        self.assertEqual(
            self._marks(preview),
            {
                self.late_new: "open",
                self.late_twice: "open",
                self.late_known: "already_open",
                self.paid_known: "resolve",
            },
        )
        self.assertEqual(
            (preview.open_count, preview.already_open_count, preview.resolve_count), (2, 1, 1)
        )
        self.assertEqual(preview.max_new_warnings, 1)
        self.assertTrue(preview.hits_cap, "two would open, the cap is one")
        line = preview.line_ids.filtered(lambda line: line.partner_id == self.late_new)
        self.assertEqual(line.values, "✔ Oldest overdue (days) ≥ 30 days: 90")
        self.assertEqual(line.severity, "warning")
        resolved = preview.line_ids.filtered(lambda line: line.mark == "resolve")
        self.assertEqual(resolved.values, "✘ Oldest overdue (days) ≥ 30 days: 0")
        self.assertEqual(resolved.warning_id, self.known[1])
        self.assertFalse(self.Warning.search([("rule_id", "=", self.rule.id)]) - self.known)
        self.assertEqual(self.known.mapped("state"), ["open", "open"], "a preview writes none")
        self.rule.max_new_warnings = 2
        self.assertFalse(self._preview().hits_cap, "two within a cap of two")

    def test_an_inactive_draft_previews_and_does_not_run(self):
        self.rule.active = False
        preview = self._preview()
        self.assertFalse(preview.rule_active)
        self.assertEqual(len(preview.line_ids), 4)
        with self.assertRaisesRegex(UserError, "is inactive: activate it"):
            preview.action_run_listed()
        self.assertEqual(self.known.mapped("state"), ["open", "open"])

    def test_run_for_the_listed_customers_only(self):
        self.rule.max_new_warnings = 5
        preview = self._preview()
        # a customer turns late after the preview: it is not among those listed
        late_later = self.paid_quiet
        self._invoice(late_later, date(2026, 4, 1), 300)
        self._pass(self.customers, TODAY)
        with freeze_time(TODAY):
            action = preview.action_run_listed()
        live = self.Warning.search([("rule_id", "=", self.rule.id), ("state", "=", "open")])
        self.assertEqual(live.partner_id, self.late_new | self.late_twice | self.late_known)
        self.assertEqual(self.known[1].state, "resolved")
        self.assertEqual(self.known[1].resolved_date, TODAY)
        again = self.env["crm.customer.warning.preview"].browse(action["res_id"])
        self.assertEqual(
            self._marks(again),
            {
                self.late_new: "already_open",
                self.late_twice: "already_open",
                self.late_known: "already_open",
                late_later: "open",
            },
            "the next preview shows what the run left",
        )

    def test_run_for_the_listed_respects_the_cap(self):
        preview = self._preview()
        with freeze_time(TODAY):
            preview.action_run_listed()
        self.assertIn("would open 2 warnings, more than the cap of 1", self.rule.blocked_reason)
        self.assertFalse(self.late_new.customer_warning_ids | self.late_twice.customer_warning_ids)
        self.assertEqual(self.known[1].state, "open", "a blocked run resolves nothing either")

    def test_run_for_the_listed_waits_for_a_running_rule(self):
        self.rule.max_new_warnings = 5
        preview = self._preview()
        with (
            patch.object(crm_customer_warning_rule, "exclusive_runs", _nothing_free),
            self.assertRaisesRegex(UserError, "already running"),
            freeze_time(TODAY),
        ):
            preview.action_run_listed()
        self.assertFalse(self.late_new.customer_warning_ids)

    def test_reps_cannot_preview_nor_run(self):
        with self.assertRaises(AccessError):
            self._preview(user=self.rep)
        with self.assertRaises(AccessError):
            self.rule.with_user(self.rep).action_backtest()
        preview = self._preview()
        with self.assertRaises(AccessError):
            preview.with_user(self.rep).action_run_listed()
        with self.assertRaises(AccessError):
            self.env["crm.customer.warning.preview"].with_user(self.rep).create(
                {"rule_id": self.rule.id, "date": TODAY}
            )
