from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import html2plaintext

from .common import REP
from .test_warning_rule_conditions import DealerCase

DECLINE_3 = "Months of consecutive decline ≥ 3 months"
LINES_HALVED = "Product lines bought in the period, change vs previous period ≤ -50%"


@tagged("post_install", "-at_install")
class TestWarningRuleHistory(DealerCase):
    """What changed in a rule is in its chatter; what a warning opened on stays with it."""

    def _notes(self):
        """The notes on the conditions, newest first, as plain text."""
        return [
            html2plaintext(message.body)
            for message in self.rule.message_ids
            if "Conditions changed" in (message.body or "")
        ]

    def _tracked(self):
        self.env.flush_all()
        self.env.cr.flush()  # tracking values are written before the commit
        return {
            value.field_id.name: (value.old_value_char, value.new_value_char)
            for message in self.rule.message_ids
            for value in message.tracking_value_ids
        }

    def test_condition_changes_are_noted_on_the_rule(self):
        self.assertEqual(self._notes(), [], "conditions made with the rule: its creation says")
        decline, lines = self.rule.condition_ids
        decline.threshold = 4
        decline.threshold = 4  # no change, no note
        self.rule.threshold = 5  # through the rule: its first condition
        self.rule.condition_ids = [
            Command.create({"metric": "overdue_days", "threshold": 30}),
            Command.delete(lines.id),
        ]
        notes = self._notes()  # newest first
        self.assertEqual(len(notes), 4, notes)
        self.assertIn("Added: Oldest overdue (days) ≥ 30 days", notes[0])
        self.assertIn(f"Removed: {LINES_HALVED}", notes[1])
        self.assertIn(
            "Changed: Months of consecutive decline ≥ 4 months → Months of consecutive"
            " decline ≥ 5 months",
            notes[2],
        )
        self.assertIn(f"Changed: {DECLINE_3} → Months of consecutive decline ≥ 4 months", notes[3])

    def test_scope_match_and_actions_are_tracked(self):
        template = self.env["mail.template"].create(
            {
                "name": "Dealer alert",
                "model_id": self.env["ir.model"]._get_id("crm.customer.warning"),
            }
        )
        tracking = {"tracking_disable": False, "mail_notrack": False}  # the tests' setting
        self.rule.with_context(**tracking).write(
            {
                "match": "any",
                "partner_domain": "[('id', '=', 1)]",
                "severity": "critical",
                "period_days": 30,
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "mail_template_id": template.id,
                "post_note": False,
                "max_new_warnings": 20,
            }
        )
        tracked = self._tracked()
        self.assertEqual(tracked["match"], ("All conditions hold", "Any condition holds"))
        self.assertEqual(tracked["partner_domain"][1], "[('id', '=', 1)]")
        self.assertEqual(tracked["severity"], ("Warning", "Critical"))
        self.assertEqual(tracked["mail_template_id"], ("", "Dealer alert"))
        self.assertEqual(
            set(tracked) & {"period_days", "activity_type_id", "post_note", "max_new_warnings"},
            {"period_days", "activity_type_id", "post_note", "max_new_warnings"},
        )

    def test_a_warning_keeps_the_conditions_it_opened_with(self):
        warning = self._run()
        self.assertEqual(warning.partner_id, self.dealer)
        snapshot = warning.condition_snapshot
        self.assertEqual(snapshot["match"], "all")
        self.assertEqual(
            [
                (row["metric"], row["kind"], row["operator"], row["threshold"], row["value"])
                for row in snapshot["conditions"]
            ],
            [
                ("months_declining", "value", ">=", 3, 3),
                ("product_lines", "change", "<=", -50, -60),
            ],
        )
        self.assertEqual(
            [row["label"] for row in snapshot["conditions"]], [DECLINE_3, LINES_HALVED]
        )
        # the admin lowers both thresholds; the warning still holds and is reworded...
        decline, lines = self.rule.condition_ids
        decline.threshold = 2
        lines.threshold = -40
        self.assertEqual(self._run(), warning)
        self.assertIn("(threshold >= 2)", warning.message)
        self.assertEqual(warning.threshold, 3, "as it opened")
        # ...but why it opened stays as it was
        self.assertEqual(warning.condition_snapshot, snapshot)
        html = str(warning.condition_snapshot_html)
        self.assertIn("All of these conditions held when it opened:", html)
        self.assertIn(f"✔ {DECLINE_3}: measured 3 (orders fell 3 months running", html)
        self.assertIn(f"✔ {LINES_HALVED}: measured -60 (2 product lines", html)

    def test_any_keeps_the_conditions_not_met_too(self):
        self.rule.match = "any"
        warning = self._by_partner(self._run())[self.steady]
        rows = warning.condition_snapshot["conditions"]
        self.assertEqual([row["met"] for row in rows], [True, False])
        self.assertEqual(rows[1]["value"], 0, "5 lines then 5: no change")
        html = str(warning.condition_snapshot_html)
        self.assertIn("at least one of these conditions held", html)
        self.assertIn(f"✘ {LINES_HALVED}: measured 0", html)

    def test_nobody_rewrites_a_snapshot(self):
        rep = new_test_user(self.env, login="history_rep", groups=REP)
        self.dealer.user_id = rep
        warning = self._run()
        self.assertTrue(warning.with_user(rep).condition_snapshot_html, "the rep reads it")
        for user in (rep, self.supervisor):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                warning.with_user(user).write({"condition_snapshot": {"conditions": []}})
        self.assertEqual(len(warning.condition_snapshot["conditions"]), 2)

    def test_warnings_opened_before_snapshots_show_none(self):
        warning = self._run()
        self.env.cr.execute(
            "UPDATE crm_customer_warning SET condition_snapshot = NULL WHERE id = %s",
            [warning.id],
        )
        warning.invalidate_recordset()
        self.assertFalse(warning.condition_snapshot_html)
