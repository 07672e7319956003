from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import MetricsCase

MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager"
TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestWarningRuleForm(MetricsCase):
    """The rule form as a supervisor uses it: a preview never starts a rule by itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(cls.env, login="rule_form_mgr", groups=MANAGER)
        cls.late = cls._customer("Late Payer Co.")
        cls.punctual = cls._customer("Punctual Co.")
        cls.contact = cls.env["res.partner"].create({"name": "Guo Jing", "parent_id": cls.late.id})
        cls.scope = repr([("id", "in", (cls.late | cls.punctual | cls.contact).ids)])
        action = cls.env.ref("crm_customer_mgmt.action_crm_customer_warning_rule")
        cls.Rule = (
            cls.env["crm.customer.warning.rule"]
            .with_user(cls.manager)
            .with_context(**safe_eval(action.context))
        )

    def _new_rule(self, threshold):
        with Form(self.Rule) as form:
            form.name = "Overdue over a month"
            with form.condition_ids.new() as condition:
                condition.metric = "overdue_days"
                condition.operator = ">="
                condition.threshold = threshold
            form.partner_domain = self.scope
        return form.record

    def test_rule_made_on_screen_starts_inactive_and_preview_says_so(self):
        invoice = self._invoice(self.late, date(2026, 4, 1), 500)
        self.assertEqual(invoice.payment_state, "not_paid")
        self._pass(self.late | self.punctual, TODAY)
        rule = self._new_rule(30)
        self.assertFalse(rule.active)
        preview = self._preview(rule)
        self.assertEqual(preview.line_ids.partner_id, self.late)
        self.assertFalse(preview.rule_active, "the preview says the rule is inactive")
        with freeze_time(TODAY):
            self.env.ref("crm_customer_mgmt.ir_cron_customer_warnings").method_direct_trigger()
        self.assertFalse(rule.warning_ids, "an inactive rule opens nothing")
        rule.action_activate()
        self.assertTrue(rule.active)
        self.assertTrue(self._preview(rule).rule_active)

    def test_preview_with_no_match_lists_nobody(self):
        self._pass(self.late | self.punctual, TODAY)
        rule = self._new_rule(30)
        preview = self._preview(rule)
        self.assertFalse(preview.line_ids)
        self.assertEqual((preview.open_count, preview.hits_cap), (0, False))

    def _preview(self, rule):
        with freeze_time(TODAY):
            action = rule.action_preview()
        return rule.env[action["res_model"]].browse(action["res_id"])

    def test_scope_widget_counts_the_customers_the_rule_watches(self):
        rule = self._new_rule(30)
        Partner = self.env["res.partner"].with_user(self.manager)
        domain = safe_eval(rule.partner_domain)
        self.assertEqual(Partner.search_count(domain), 3, "every contact, as before")
        Scoped = Partner.with_context(crm_customer_warning_scope=True)
        self.assertEqual(Scoped.search_count(domain), 2)
        self.assertEqual(Scoped.search_count(domain), Partner.search_count(rule._scope()))
        listed = Scoped.web_search_read(domain, {"name": {}})
        self.assertEqual(
            {row["name"] for row in listed["records"]}, {"Late Payer Co.", "Punctual Co."}
        )
