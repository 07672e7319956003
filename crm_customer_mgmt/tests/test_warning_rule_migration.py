import importlib.util
from pathlib import Path

from freezegun import freeze_time

from odoo.tests import tagged

from .test_warning_rule_conditions import TODAY, DealerCase

MIGRATION = (
    Path(__file__).resolve().parent.parent / "migrations/19.0.1.1.0/post-rule-conditions.py"
)


def migrate(cr):
    spec = importlib.util.spec_from_file_location("post_rule_conditions", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate(cr, "19.0.1.0.1")


@tagged("post_install", "-at_install")
class TestWarningRuleMigration(DealerCase):
    """Rules of the previous version (one metric, operator and threshold on the rule, no
    condition lines) become rules with one condition that warn exactly as before."""

    def test_one_condition_rules_migrate_unchanged(self):
        specs = [
            ("months_declining", ">=", 3, True),
            ("lines_dropped", ">=", 3, True),
            ("sales_change_pct", "<", -30, True),
            ("days_since_review", ">", 90, False),
        ]
        rules = self.Rule.create(
            [
                {
                    "name": f"Old {metric}",
                    "metric": metric,
                    "operator": operator,
                    "threshold": threshold,
                    "active": active,
                    "partner_domain": self.scope,
                }
                for metric, operator, threshold, active in specs
            ]
        )
        with freeze_time(TODAY):
            before = {rule: self._matches(rule) for rule in rules}
        self.assertEqual(before[rules[0]], {self.dealer.id: 3, self.steady.id: 3})
        self.assertEqual(before[rules[1]], {self.dealer.id: 3, self.narrow.id: 3})
        # as the previous version left them: the values on the rule, no condition lines
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM crm_customer_warning_rule_condition WHERE rule_id = ANY(%s)",
            [rules.ids],
        )
        self.env.invalidate_all()
        self.assertFalse(rules.condition_ids)
        migrate(self.env.cr)
        migrate(self.env.cr)  # twice: nothing more
        self.env.invalidate_all()
        for rule, (metric, operator, threshold, active) in zip(rules, specs, strict=True):
            with self.subTest(metric=metric):
                condition = rule.condition_ids
                self.assertEqual(len(condition), 1)
                self.assertEqual(
                    (condition.metric, condition.kind, condition.operator, condition.threshold),
                    (metric, "value", operator, threshold),
                )
                self.assertEqual(condition.company_id, rule.company_id)
                self.assertEqual((rule.match, rule.active), ("all", active))
                self.assertEqual((rule.metric, rule.threshold), (metric, threshold))
                with freeze_time(TODAY):
                    self.assertEqual(self._matches(rule), before[rule], "warns as before")

    def _matches(self, rule):
        """Customer id -> the value measured, where the rule holds."""
        return {pid: verdict.readings[0].value for pid, verdict in rule._hits(TODAY).items()}
