from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from ..engine import warnings as warning_engine
from .common import MetricsCase

TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestWarnings(MetricsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["crm.customer.warning.rule"]
        cls.Warning = cls.env["crm.customer.warning"]
        cls.customer = cls._customer("Ruifeng Wholesale")
        cls.other = cls._customer("Quiet Co.")
        # the test's customers only: the demo's are dated from the day it was installed
        cls.scope = repr([("id", "in", (cls.customer | cls.other).ids)])

    def _rule(self, **values):
        return self.Rule.create(
            {
                "name": "Test rule",
                "metric": "overdue_days",
                "operator": ">=",
                "threshold": 30,
                "partner_domain": self.scope,
                **values,
            }
        )

    def _run(self, rule, today=TODAY, partners=None):
        self._pass(partners or (self.customer | self.other), today)
        with freeze_time(today):
            rule._evaluate(today)
        return self.Warning.search([("rule_id", "=", rule.id)])

    def _builtin(self, name):
        """A shipped rule, as the test company's own."""
        rule = self.env.ref(f"crm_customer_mgmt.warning_rule_{name}").sudo()
        return rule.copy(
            {"company_id": self.env.company.id, "name": rule.name, "partner_domain": self.scope}
        ).sudo(False)

    def test_the_declining_dealer(self):
        p = self.products
        self._invoice_lines(self.customer, date(2026, 2, 15), [(p[n], 500) for n in range(5)])
        self._invoice_lines(self.customer, date(2026, 3, 15), [(p[n], 400) for n in range(5)])
        self._invoice_lines(self.customer, date(2026, 4, 15), [(p[0], 800), (p[1], 800)])
        self._invoice_lines(self.customer, date(2026, 5, 15), [(p[0], 200), (p[1], 100)])
        rule = self._builtin("churn_decline")
        warnings = self._run(rule)
        self.assertEqual(warnings.partner_id, self.customer)
        self.assertEqual(warnings.value, 3)
        self.assertIn(
            "orders fell 3 months running: 2,500 → 2,000 → 1,600 → 300; lines 5 → 2",
            warnings.message,
        )
        self.assertEqual(warnings.severity, "critical")
        activity = warnings.activity_ids.filtered(lambda a: a.summary == rule.name)
        self.assertFalse(self.customer.card_owner_id or self.customer.user_id)
        self.assertEqual(activity.user_id, self.env.ref("base.user_admin"), "unowned: Settings")

    def test_builtin_metrics_on_real_data(self):
        self._invoice(self.customer, date(2026, 3, 1), 1000)  # unpaid, 121 days overdue
        self._invoice(self.other, date(2026, 1, 5), 200)  # paid, then silence
        self._pay(self.other.invoice_ids, date(2026, 1, 5))
        self.customer.annual_sales_target = 10000  # 1000 sold, 4,959 due by June 30
        expense = self.company_data["default_account_expense"]
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": date(2026, 5, 10),
                "line_ids": [
                    Command.create(
                        {"account_id": expense.id, "debit": 400, "partner_id": self.other.id}
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data["default_account_revenue"].id,
                            "credit": 400,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        self.env["res.partner"].create(
            {"name": "Old boss", "parent_id": self.other.id, "buying_role": "decision_maker"}
        ).active = False
        expected = {
            "overdue": self.customer,
            "churn_silence": self.customer | self.other,
            "sales_progress": self.customer,
            "major_change": self.other,
        }
        for name, partner in expected.items():
            with self.subTest(rule=name):
                rule = self._builtin(name)
                self.assertEqual(self._run(rule).partner_id, partner)
                self.assertTrue(all(self._run(rule).mapped("message")))
        cost = self._builtin("sales_expense")
        self.assertEqual(self._run(cost).partner_id, self.other, "cost with no sales at all")

    def test_custom_metrics(self):
        self.env["crm.customer.stage.history"].sudo().create(
            {
                "partner_id": self.customer.id,
                "stage_to_id": self.env.ref("crm_customer_mgmt.stage_development").id,
                "change": "fell",
                "date": date(2026, 6, 1),
            }
        )
        grade_a, grade_c = (
            self.env.ref(f"crm_customer_mgmt.credit_grade_{g}") for g in ("a", "c")
        )
        self.env["crm.credit.grade.history"].sudo().create(
            {
                "partner_id": self.other.id,
                "grade_from_id": grade_a.id,
                "grade_to_id": grade_c.id,
                "date": date(2026, 6, 2),
            }
        )
        regressed = self._run(self._rule(metric="stage_regressed", threshold=1))
        self.assertEqual(regressed.partner_id, self.customer)
        self.assertIn("fell back to Development", regressed.message)
        downgraded = self._run(self._rule(metric="credit_downgraded", threshold=1))
        self.assertEqual(downgraded.partner_id, self.other)
        self.assertIn("credit grade A → C", downgraded.message)

    def test_no_duplicate_over_reruns_and_actions_once(self):
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        rule = self._rule(activity_type_id=self.env.ref("mail.mail_activity_data_todo").id)
        first = self._run(rule)
        second = self._run(rule, today=date(2026, 7, 10))
        self.assertEqual(first, second)
        self.assertEqual((second.value, second.last_detected), (131, date(2026, 7, 10)))
        self.assertEqual(second.first_detected, TODAY)
        self.assertEqual(len(second.activity_ids.filtered(lambda a: a.summary == "Test rule")), 1)
        notes = second.message_ids.filtered(lambda m: "Test rule" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertFalse(
            self.customer.message_ids.filtered(lambda m: "Test rule" in (m.body or "")),
            "warning details stay off the customer's chatter, which every employee reads",
        )

    def test_actions_fire_once_per_opening_in_bulk(self):
        rep = new_test_user(
            self.env,
            login="bulk_rep",
            groups="sales_team.group_sale_salesman,crm_customer_mgmt.group_customer_mgmt_user",
        )
        self.customer.user_id = rep
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        self._invoice(self.other, date(2026, 3, 1), 500)
        template = self.env["mail.template"].create(
            {
                "name": "Warning mail",
                "model_id": self.env["ir.model"]._get_id("crm.customer.warning"),
                "subject": "{{ object.rule_id.name }}",
                "email_to": "finance@example.com",
                "body_html": "<p>A customer needs a look.</p>",
            }
        )
        rule = self._rule(
            activity_type_id=self.env.ref("mail.mail_activity_data_todo").id,
            mail_template_id=template.id,
        )
        warnings = self._run(rule)
        self.assertEqual(warnings.partner_id, self.customer | self.other)
        admin = self.env.ref("base.user_admin")
        for partner, user in ((self.customer, rep), (self.other, admin)):
            warning = warnings.filtered(lambda w, partner=partner: w.partner_id == partner)
            activity = warning.activity_ids.filtered(lambda a: a.summary == "Test rule")
            self.assertEqual((len(activity), activity.user_id), (1, user))
            notes = warning.message_ids.filtered(lambda m: "Test rule" in (m.body or ""))
            self.assertEqual(len(notes), 1)
            self.assertNotIn("user_notification", warning.message_ids.mapped("message_type"))
        mails = self.env["mail.mail"].search(
            [("model", "=", "crm.customer.warning"), ("res_id", "in", warnings.ids)]
        )
        self.assertEqual(len(mails), 2)
        self.assertEqual(set(mails.mapped("subject")), {"Test rule"})

    def test_concurrent_run_does_not_duplicate(self):
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        rule = self._rule()
        self._run(rule)
        blind = self.Warning.browse()  # a run that started before the other one committed
        with (
            patch.object(type(self.Warning), "search", return_value=blind),
            mute_logger("odoo.sql_db"),
        ):
            with freeze_time(TODAY):
                rule._evaluate(TODAY)
        self.assertEqual(self.Warning.search_count([("rule_id", "=", rule.id)]), 1)

    def test_database_refuses_a_second_live_warning(self):
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        rule = self._rule()
        warning = self._run(rule)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            warning.copy()
            self.env.flush_all()

    def test_resolves_when_the_condition_clears_and_recurs_as_new(self):
        invoice = self._invoice(self.customer, date(2026, 3, 1), 1000)
        rule = self._rule()
        warning = self._run(rule)
        self._pay(invoice, date(2026, 7, 1))
        self._run(rule, today=date(2026, 7, 2))
        self.assertEqual((warning.state, warning.resolved_date), ("resolved", date(2026, 7, 2)))
        self._invoice(self.customer, date(2026, 7, 3), 500)
        warnings = self._run(rule, today=date(2026, 8, 20))
        self.assertEqual(len(warnings), 2)
        self.assertEqual(
            warnings.filtered(lambda w: w.state == "open").first_detected, date(2026, 8, 20)
        )

    def test_texts_in_the_language_of_who_reads_them(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["crm_customer_mgmt"], ["zh_CN"])
        rep = new_test_user(
            self.env,
            login="zh_rep",
            lang="zh_CN",
            groups="sales_team.group_sale_salesman,crm_customer_mgmt.group_customer_mgmt_user",
        )
        self.customer.user_id = rep
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        self._invoice(self.other, date(2026, 3, 1), 500)
        rule = self._rule(activity_type_id=self.env.ref("mail.mail_activity_data_todo").id)
        rule.with_context(lang="zh_CN").name = "逾期测试"
        warnings = self._run(rule)
        chinese = warnings.filtered(lambda w: w.partner_id == self.customer)
        self.assertTrue(chinese.message.startswith("逾期测试："), chinese.message)
        self.assertIn("阈值", chinese.message)
        self.assertEqual(chinese.activity_ids.summary, "逾期测试")
        english = warnings - chinese  # unowned: the administrator's language
        self.assertTrue(english.message.startswith("Test rule: "), english.message)
        self.assertEqual(english.activity_ids.summary, "Test rule")

    def test_acknowledged_and_snoozed_stay_silent(self):
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        rule = self._rule(activity_type_id=self.env.ref("mail.mail_activity_data_todo").id)
        warning = self._run(rule)
        wizard = (
            self.env["crm.customer.warning.acknowledge"]
            .with_context(active_ids=warning.ids)
            .create({"note": "Promised to pay on Friday", "snooze_until": date(2026, 9, 1)})
        )
        with freeze_time(TODAY):
            wizard.action_apply()
        self.assertEqual(
            (warning.state, warning.snoozed_until), ("acknowledged", date(2026, 9, 1))
        )
        self._run(rule, today=date(2026, 7, 5))
        self.assertEqual(warning.state, "acknowledged")
        self.assertEqual(len(warning.activity_ids.filtered(lambda a: a.summary == "Test rule")), 1)
        with self.assertRaises(ValidationError), freeze_time(TODAY):
            warning.action_snooze(date(2026, 6, 1))

    def test_a_broken_rule_is_isolated_and_reported(self):
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        self._pass(self.customer | self.other, TODAY)
        broken = self._rule(name="Broken", metric="days_since_last_order")
        healthy = self._rule(name="Healthy")
        self.Rule.search([("id", "not in", (broken | healthy).ids)]).active = False

        def explode(facts):
            raise KeyError("missing fact")

        with (
            patch.dict(
                warning_engine.METRICS,
                {
                    "days_since_last_order": warning_engine.METRICS[
                        "days_since_last_order"
                    ]._replace(read=explode)
                },
            ),
            patch.object(type(self.env["ir.cron"]), "_commit_progress", return_value=100),
            mute_logger("odoo.addons.crm_customer_mgmt.models.crm_customer_warning_rule_run"),
            freeze_time(TODAY),
        ):
            self.Rule._cron_evaluate()
        self.assertIn("missing fact", broken.last_error)
        self.assertIn("failed", broken.message_ids[0].body)
        self.assertEqual(
            self.Warning.search([("rule_id", "=", healthy.id)]).partner_id, self.customer
        )

    def test_refusals(self):
        cases = [
            ({"metric": "no_such_metric"}, "Unknown warning metric: no_such_metric."),
            ({"period_days": -5}, "between 1 and 3650"),
            ({"partner_domain": "[('no_such_field', '=', 1)]"}, "not a valid filter"),
            ({"partner_domain": "[('name', '=', __import__('os'))]"}, "not a valid filter"),
            ({"metric": "card_completeness", "threshold": 150}, "between 0 and 100"),
            ({"max_new_warnings": 0}, "between 1 and 100000"),
        ]
        for values, message in cases:
            with self.subTest(values=values), self.assertRaises(ValidationError) as caught:
                self._rule(**values)
            self.assertIn(message, str(caught.exception))

    def test_scope_is_respected(self):
        for partner in (self.customer, self.other):
            self._invoice(partner, date(2026, 3, 1), 1000)
        rule = self._rule(partner_domain=f"[('id', '=', {self.other.id})]")
        self.assertEqual(self._run(rule).partner_id, self.other)

    def test_cap_stops_a_flood_and_tells_managers(self):
        for partner in (self.customer, self.other):
            self._invoice(partner, date(2026, 3, 1), 1000)
        rule = self._rule(max_new_warnings=1)
        self.assertFalse(self._run(rule))
        self.assertIn("would open 2 warnings", rule.blocked_reason)
        self.assertIn("more than the cap of 1", rule.message_ids[0].body)
        rule.max_new_warnings = 5
        self.assertFalse(rule.blocked_reason)
        self.assertEqual(len(self._run(rule)), 2)

    def test_preview_writes_nothing(self):
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        self._pass(self.customer | self.other, TODAY)
        rule = self._rule(partner_domain=f"[('id', 'in', {(self.customer | self.other).ids})]")
        with freeze_time(TODAY):
            action = rule.action_preview()
        preview = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(preview.line_ids.partner_id, self.customer)
        self.assertEqual(preview.line_ids.mark, "open")
        self.assertFalse(self.Warning.search([("rule_id", "=", rule.id)]))

    def test_reps_and_companies_see_their_own_warnings(self):
        rep = new_test_user(
            self.env, login="warn_rep", groups="crm_customer_mgmt.group_customer_mgmt_user"
        )
        self.customer.user_id = rep
        self.other.user_id = self.env.user
        for partner in (self.customer, self.other):
            self._invoice(partner, date(2026, 3, 1), 1000)
        rule = self._rule()
        self.assertEqual(len(self._run(rule)), 2)
        seen = self.Warning.with_user(rep).search([("rule_id", "=", rule.id)])
        self.assertEqual(seen.partner_id, self.customer)
        elsewhere = self.env["res.company"].create({"name": "Other Co. Ltd."})
        outsider = new_test_user(
            self.env,
            login="warn_outsider",
            groups="crm_customer_mgmt.group_customer_mgmt_manager",
            company_id=elsewhere.id,
            company_ids=[Command.set(elsewhere.ids)],
        )
        self.assertFalse(self.Warning.with_user(outsider).search([("rule_id", "=", rule.id)]))

    def _behind_the_button(self, partner, today):
        """What the card's Warnings button lists: its domain and default search filters, the
        filters' domains as the search view has them."""
        action = partner.action_open_warnings()
        arch = etree.fromstring(
            self.env.ref("crm_customer_mgmt.view_crm_customer_warning_search").arch
        )
        domains = [
            safe_eval(
                arch.xpath(f"//filter[@name='{key[len('search_default_') :]}']")[0].get("domain"),
                {"context_today": lambda: today, "uid": self.env.uid},
            )
            for key, value in action["context"].items()
            if key.startswith("search_default_") and value
        ]
        return self.Warning.search(Domain.AND([action["domain"], Domain.OR(domains)]))

    def test_a_snoozed_warning_alarms_nobody_until_its_date(self):
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        rule = self._rule()
        warning = self._run(rule)
        self.assertEqual(self.customer.customer_warning_count, 1)
        with freeze_time(TODAY):
            warning.action_snooze(date(2026, 7, 10))
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.customer_warning_count, 0, "no banner, no count")
            self.assertFalse(self._behind_the_button(self.customer, TODAY))
            self.assertEqual(rule.open_warning_count, 0)
        # the rule keeps it as the customer's one warning: no second one opens meanwhile
        self.assertEqual(self._run(rule, today=date(2026, 7, 5)), warning)
        self.assertEqual(warning.last_detected, date(2026, 7, 5))
        wake = date(2026, 7, 10)
        with freeze_time(wake):
            self.customer.invalidate_recordset()
            rule.invalidate_recordset()
            self.assertEqual(self.customer.customer_warning_count, 1)
            self.assertEqual(self._behind_the_button(self.customer, wake), warning)
            self.assertEqual(rule.open_warning_count, 1)
            self.assertEqual(self.Warning.search(self.Warning._live_domain()), warning)
            warning.action_resolve()
            self.customer.invalidate_recordset()
            self.assertEqual(self.customer.customer_warning_count, 0)
            self.assertFalse(self._behind_the_button(self.customer, wake))
