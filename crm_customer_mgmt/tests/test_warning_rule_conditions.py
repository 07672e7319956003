from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import REP, SUPERVISOR, MetricsCase

TODAY = date(2026, 6, 30)  # the period: April 2 to June 30, the previous: January 2 to April 1


class DealerCase(MetricsCase):
    """The seed's declining dealer as one rule with two conditions, on real invoices:
    orders down three months running and product lines from five to two; beside it a
    customer whose orders dip with every line kept, and one who buys fewer lines, more."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["crm.customer.warning.rule"]
        cls.Warning = cls.env["crm.customer.warning"]
        cls.rep = new_test_user(cls.env, login="cond_rep", groups=REP)
        cls.supervisor = new_test_user(cls.env, login="cond_sup", groups=SUPERVISOR)
        p = cls.products
        # orders fell three months running, product lines five to two
        cls.dealer = cls._customer("Ruifeng Wholesale")
        cls._invoices(
            cls.dealer, [[(p[n], 500) for n in range(5)], [(p[n], 400) for n in range(5)]]
        )
        cls._invoices(cls.dealer, [[(p[0], 800), (p[1], 800)], [(p[0], 200), (p[1], 100)]], 4)
        # orders fell three months running, every line kept
        cls.steady = cls._customer("Steady Dip Co.")
        cls._invoices(
            cls.steady, [[(p[n], 500 - 100 * month) for n in range(5)] for month in range(4)]
        )
        # product lines five to two, sales growing
        cls.narrow = cls._customer("Narrowing Co.")
        cls._invoices(
            cls.narrow, [[(p[n], 100) for n in range(5)], [(p[n], 110) for n in range(5)]]
        )
        cls._invoices(cls.narrow, [[(p[0], 1000), (p[1], 1000)], [(p[0], 1500), (p[1], 1500)]], 4)
        cls.customers = cls.dealer | cls.steady | cls.narrow
        cls.scope = repr([("id", "in", cls.customers.ids)])
        cls.rule = cls.Rule.create(
            {
                "name": "Dealer fading away",
                "partner_domain": cls.scope,
                "condition_ids": [
                    Command.create({"metric": "months_declining", "threshold": 3}),
                    Command.create(
                        {
                            "metric": "product_lines",
                            "kind": "change",
                            "operator": "<=",
                            "threshold": -50,
                        }
                    ),
                ],
            }
        )
        with freeze_time(TODAY):
            cls.Metrics._pass_partners(cls.customers, TODAY)

    @classmethod
    def _invoices(cls, customer, months, first_month=2):
        """One posted invoice a month from ``first_month`` on; each month's (product,
        amount) lines."""
        for offset, lines in enumerate(months):
            cls._invoice_lines(customer, date(2026, first_month + offset, 15), lines)

    def _run(self, rule=None):
        rule = rule or self.rule
        with freeze_time(TODAY):
            rule._evaluate(TODAY)
        return self.Warning.search([("rule_id", "=", rule.id)])

    def _by_partner(self, warnings):
        return {warning.partner_id: warning for warning in warnings}


@tagged("post_install", "-at_install")
class TestWarningRuleConditions(DealerCase):
    # Several conditions -----------------------------------------------------------------

    def test_all_needs_both_conditions(self):
        warnings = self._run()
        self.assertEqual(warnings.partner_id, self.dealer)
        self.assertEqual((warnings.value, warnings.threshold), (3, 3), "the first condition's")
        self.assertEqual(
            warnings.message,
            "Dealer fading away: orders fell 3 months running: 2,500 → 2,000 → 1,600 → 300;"
            " lines 5 → 2 (threshold >= 3); 2 product lines, against 5 in the previous"
            " period (-60.0%) (threshold <= -50)",
        )

    def test_any_needs_either_condition(self):
        self.rule.match = "any"
        warnings = self._by_partner(self._run())
        self.assertEqual(set(warnings), set(self.customers))
        steady, narrow = warnings[self.steady], warnings[self.narrow]
        self.assertEqual(
            steady.message,
            "Dealer fading away: orders fell 3 months running: 2,500 → 2,000 → 1,500 → 1,000;"
            " lines 5 → 5 (threshold >= 3)",
            "only the condition met",
        )
        self.assertEqual((narrow.value, narrow.threshold), (-60, -50), "the condition met")
        self.assertIn("2 product lines, against 5 in the previous period", narrow.message)

    def test_verdicts_decide_given_facts_as_of_any_date(self):
        """What a preview or a back-test calls: the rule's conditions on facts it is given."""
        Facts = self.Rule.sudo()
        facts = Facts._warning_facts(self.customers, self.rule.period_days, TODAY)
        verdicts = self.rule._verdicts(facts)
        self.assertEqual(
            {pid: verdict.met for pid, verdict in verdicts.items()},
            {
                self.dealer.id: (True, True),
                self.steady.id: (True, False),
                self.narrow.id: (False, True),
            },
        )
        draft = self.Rule.new(
            {
                "name": "Draft",
                "match": "any",
                "condition_ids": [Command.create({"metric": "product_lines", "threshold": 5})],
            }
        )
        self.assertEqual(
            {pid for pid, verdict in draft._verdicts(facts).items() if verdict.holds},
            {self.steady.id},
            "a rule not saved yet, as it stands on screen",
        )

    def test_the_rule_reads_and_writes_its_first_condition(self):
        first, second = self.rule.condition_ids
        self.assertEqual(
            (self.rule.metric, self.rule.operator, self.rule.threshold),
            ("months_declining", ">=", 3),
        )
        self.rule.threshold = 4
        self.assertEqual((first.threshold, second.threshold), (4, -50))
        first.metric = "overdue_days"
        self.assertEqual(self.rule.metric, "overdue_days")
        (first | second).write({"sequence": 1})
        second.sequence = 0
        self.assertEqual(self.rule.metric, "product_lines", "the first by sequence")
        single = self.Rule.create(
            {"name": "One", "metric": "overdue_days", "threshold": 30, "partner_domain": "[]"}
        )
        self.assertEqual(len(single.condition_ids), 1)
        self.assertEqual(
            single.condition_ids.read(["metric", "kind", "operator", "threshold"])[0],
            {
                "id": single.condition_ids.id,
                "metric": "overdue_days",
                "kind": "value",
                "operator": ">=",
                "threshold": 30,
            },
        )
        copy = single.copy()
        self.assertEqual(len(copy.condition_ids), 1)
        self.assertNotEqual(copy.condition_ids, single.condition_ids)
        self.assertEqual((copy.metric, copy.threshold), ("overdue_days", 30))

    def test_a_condition_change_lifts_a_cap_block(self):
        self.rule.write({"match": "any", "max_new_warnings": 2})
        self.assertFalse(self._run(), "three would open: none did")
        self.assertIn("would open 3 warnings", self.rule.blocked_reason)
        self.rule.condition_ids[1].threshold = -70
        self.assertFalse(self.rule.blocked_reason, "the cap was hit by other conditions")
        self.assertEqual(self._run().partner_id, self.dealer | self.steady)

    # Units and relevance ----------------------------------------------------------------

    def test_units_and_period_relevance(self):
        first, second = self.rule.condition_ids
        self.assertEqual((first.unit_label, second.unit_label), ("months", "%"))
        self.assertEqual(
            self.rule.conditions_summary,
            "Months of consecutive decline ≥ 3 months and Product lines bought in the"
            " period, change vs previous period ≤ -50%",
        )
        self.assertFalse(self.rule.uses_period, "no condition reads the period")
        first.metric = "overdue_amount"
        self.assertEqual(first.unit_label, self.env.company.currency_id.name)
        first.write({"metric": "stage_regressed", "threshold": 1})
        self.assertTrue(self.rule.uses_period)
        self.assertEqual(first.unit_label, "count")

    def test_form_builds_two_conditions(self):
        action = self.env.ref("crm_customer_mgmt.action_crm_customer_warning_rule")
        Rule = self.Rule.with_user(self.supervisor).with_context(**safe_eval(action.context))
        with Form(Rule) as form:
            form.name = "Fading dealers"
            form.partner_domain = self.scope
            with form.condition_ids.new() as line:
                line.metric = "months_declining"
                line.threshold = 3
                self.assertEqual(line.unit_label, "months")
                self.assertFalse(line.has_previous, "a decline has no previous period")
            with form.condition_ids.new() as line:
                line.metric = "share_of_wallet"
                line.kind = "change"
                line.metric = "overdue_days"
                self.assertEqual(line.kind, "value", "no previous period: compared by value")
                line.metric = "product_lines"
                line.kind = "change"
                line.operator = "<="
                line.threshold = -50
                self.assertEqual(line.unit_label, "%")
            self.assertFalse(form.uses_period, "the period field hidden")
            with form.condition_ids.new() as line:
                line.metric = "key_contact_changed"
                line.threshold = 1
            self.assertTrue(form.uses_period, "the period field shown")
            form.condition_ids.remove(index=2)
            self.assertFalse(form.uses_period)
        rule = form.record
        self.assertEqual(len(rule.condition_ids), 2)
        self.assertEqual(rule.condition_ids[1].kind, "change")
        self.assertEqual(self._run(rule.sudo()).partner_id, self.dealer)

    # Validation -------------------------------------------------------------------------

    def test_thresholds_are_validated(self):
        first = self.rule.condition_ids[0]
        cases = [
            (
                {"metric": "card_completeness", "threshold": 150},
                "Rule Dealer fading away: the threshold of Card completeness (%) must be"
                " between 0 and 100%, not 150.",
            ),
            (
                {"metric": "overdue_days", "kind": "change", "threshold": 10},
                "Rule Dealer fading away: Oldest overdue (days) has no previous period to"
                " compare with; compare its value instead.",
            ),
            (
                {"metric": "sales", "kind": "change", "threshold": -120},
                "must be between -100 and 10,000%, not -120.",
            ),
            ({"metric": "stage_regressed", "threshold": 2}, "between 0 and 1, not 2."),
            ({"metric": "overdue_days", "threshold": -1}, "between 0 and 1,000,000,000 days"),
            ({"metric": "no_such_metric"}, "Unknown warning metric: no_such_metric."),
        ]
        for values, message in cases:
            with self.subTest(values=values), self.assertRaises(ValidationError) as caught:
                first.write(values)
            self.assertIn(message, str(caught.exception))

    def test_a_rule_keeps_a_condition(self):
        attempts = {
            "create": lambda: self.Rule.create({"name": "Empty", "partner_domain": "[]"}),
            "unlink": lambda: self.rule.condition_ids.unlink(),
            "clear": lambda: self.rule.write({"condition_ids": [Command.clear()]}),
        }
        for name, attempt in attempts.items():
            with self.subTest(attempt=name), self.assertRaises(ValidationError) as caught:
                attempt()
            self.assertIn("has no condition: add at least one, or archive", str(caught.exception))
        self.assertEqual(len(self.rule.condition_ids), 2)
        # replacing the conditions in one save is fine
        self.rule.condition_ids = [
            Command.clear(),
            Command.create({"metric": "overdue_days", "threshold": 30}),
        ]
        self.assertEqual(self.rule.condition_ids.metric, "overdue_days")

    # Access -----------------------------------------------------------------------------

    def test_only_supervisors_edit_conditions(self):
        Condition = self.env["crm.customer.warning.rule.condition"]
        as_rep = self.rule.condition_ids.with_user(self.rep)
        self.assertEqual(as_rep.mapped("metric"), ["months_declining", "product_lines"])
        attacks = {
            "create": lambda: Condition.with_user(self.rep).create(
                {"rule_id": self.rule.id, "metric": "overdue_days", "threshold": 1}
            ),
            "write": lambda: as_rep[0].write({"threshold": 0}),
            "unlink": lambda: as_rep[1].unlink(),
            "rule write": lambda: self.rule.with_user(self.rep).write(
                {"condition_ids": [Command.create({"metric": "overdue_days"})]}
            ),
            "rule threshold": lambda: self.rule.with_user(self.rep).write({"threshold": 0}),
        }
        for name, attack in attacks.items():
            with self.subTest(attack=name), self.assertRaises(AccessError):
                attack()
        self.assertEqual(self.rule.condition_ids.mapped("threshold"), [3, -50])
        as_supervisor = self.rule.condition_ids.with_user(self.supervisor)
        as_supervisor[0].threshold = 4
        Condition.with_user(self.supervisor).create(
            {"rule_id": self.rule.id, "metric": "overdue_days", "threshold": 30}
        )
        self.assertEqual(len(self.rule.condition_ids), 3)

    def test_conditions_stay_in_their_company(self):
        elsewhere = self.env["res.company"].create({"name": "Other Conditions Ltd."})
        outsider = new_test_user(
            self.env,
            login="cond_outsider",
            groups=SUPERVISOR,
            company_id=elsewhere.id,
            company_ids=[Command.set(elsewhere.ids)],
        )
        Condition = self.env["crm.customer.warning.rule.condition"].with_user(outsider)
        self.assertFalse(Condition.search([("rule_id", "=", self.rule.id)]))
