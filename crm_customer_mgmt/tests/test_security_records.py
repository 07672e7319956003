"""A rep works on his own customers only, and on his warnings only through their actions."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import CustomerCardCase

REP = "crm_customer_mgmt.group_customer_mgmt_user"
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager"
TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestRecordsStayWithTheirCustomer(CustomerCardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep_a = new_test_user(cls.env, login="own_rep_a", groups=REP)
        cls.rep_b = new_test_user(cls.env, login="own_rep_b", groups=REP)
        Partner = cls.env["res.partner"]
        cls.mine = Partner.create({"name": "A's Co.", "is_company": True, "user_id": cls.rep_a.id})
        cls.theirs = Partner.create(
            {"name": "B's Co.", "is_company": True, "user_id": cls.rep_b.id}
        )
        cls.line = cls.env["crm.customer.evaluation"].create(
            {"partner_id": cls.mine.id, "criterion_id": cls.crit_network.id, "score": 50}
        )
        cls.wallet = cls.env["crm.customer.wallet"].create(
            {
                "partner_id": cls.mine.id,
                "date_from": date(2026, 1, 1),
                "date_to": date(2026, 12, 31),
                "total_spend": 10000,
            }
        )

    def test_rep_cannot_repoint_his_lines_to_another_reps_customer(self):
        for record in (self.line, self.wallet):
            with self.subTest(model=record._name):
                with self.assertRaisesRegex(AccessError, "customers whose card you may edit"):
                    record.with_user(self.rep_a).write({"partner_id": self.theirs.id})
                self.assertEqual(record.partner_id, self.mine)

    def test_rep_cannot_create_lines_on_another_reps_customer(self):
        with self.assertRaises(AccessError):
            self.env["crm.customer.wallet"].with_user(self.rep_a).create(
                {
                    "partner_id": self.theirs.id,
                    "date_from": date(2026, 1, 1),
                    "date_to": date(2026, 12, 31),
                    "total_spend": 1,
                }
            )
        with self.assertRaises(AccessError):
            self.env["crm.customer.evaluation"].with_user(self.rep_a).create(
                {"partner_id": self.theirs.id, "criterion_id": self.crit_promotion.id}
            )
        self.assertFalse(self.theirs.customer_wallet_ids)
        self.assertFalse(self.theirs.customer_evaluation_ids)

    def test_context_defaults_count_as_values_set(self):
        Line = self.env["crm.customer.evaluation"].with_user(self.rep_a)
        with self.assertRaises(AccessError):
            Line.with_context(default_partner_id=self.theirs.id).create(
                {"criterion_id": self.crit_promotion.id, "score": 90}
            )
        with self.assertRaisesRegex(AccessError, "cannot be changed directly"):
            Line.with_context(default_approved_score=100, default_approved_date=TODAY).create(
                {"partner_id": self.mine.id, "criterion_id": self.crit_promotion.id}
            )
        self.assertFalse(self.theirs.customer_evaluation_ids)
        self.assertEqual(self.mine.customer_evaluation_ids, self.line)

    def test_rep_still_keeps_his_own_lines(self):
        self.line.with_user(self.rep_a).write({"score": 80})
        self.env["crm.customer.evaluation"].with_user(self.rep_a).create(
            {"partner_id": self.mine.id, "criterion_id": self.crit_promotion.id, "score": 60}
        )
        scores = {line.criterion_id: line.score for line in self.mine.customer_evaluation_ids}
        self.assertEqual(scores, {self.crit_network: 80, self.crit_promotion: 60})


@tagged("post_install", "-at_install")
class TestWarningsChangeThroughTheirActions(CustomerCardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="warn_rep", groups=REP)
        cls.other_rep = new_test_user(cls.env, login="warn_rep_b", groups=REP)
        cls.manager = new_test_user(cls.env, login="warn_mgr", groups=MANAGER)
        Partner = cls.env["res.partner"]
        cls.mine = Partner.create({"name": "Rep's Co.", "is_company": True, "user_id": cls.rep.id})
        cls.theirs = Partner.create(
            {"name": "Other Co.", "is_company": True, "user_id": cls.other_rep.id}
        )
        rule = cls.env["crm.customer.warning.rule"].create(
            {"name": "Overdue", "metric": "overdue_days", "threshold": 30, "severity": "critical"}
        )
        cls.warning = cls.env["crm.customer.warning"].create(
            {
                "rule_id": rule.id,
                "partner_id": cls.mine.id,
                "severity": "critical",
                "value": 45,
                "threshold": 30,
                "message": "Overdue: 45 days",
                "user_id": cls.rep.id,
            }
        )

    def test_rep_cannot_edit_his_warning_directly(self):
        attacks = {
            "severity": "info",
            "message": "all fine",
            "state": "resolved",
            "snoozed_until": TODAY + timedelta(days=3650),
            "value": 0,
            "threshold": 1000,
            "partner_id": self.theirs.id,
            "user_id": self.other_rep.id,
        }
        before = self.warning.read(list(attacks))[0]
        for name, value in attacks.items():
            with self.subTest(field=name), self.assertRaises(AccessError):
                self.warning.with_user(self.rep).write({name: value})
        self.warning.invalidate_recordset()
        self.assertEqual(self.warning.read(list(attacks))[0], before)

    def test_actions_change_it_within_their_limits(self):
        warning = self.warning.with_user(self.rep)
        with freeze_time(TODAY):
            warning.action_acknowledge("Called the buyer")
            self.assertEqual(self.warning.state, "acknowledged")
            with self.assertRaisesRegex(ValidationError, "90 days at most"):
                warning.action_snooze(TODAY + timedelta(days=91))
            with self.assertRaisesRegex(ValidationError, "in the future"):
                warning.action_snooze(TODAY)
            warning.action_snooze(TODAY + timedelta(days=14))
        self.assertEqual(self.warning.snoozed_until, TODAY + timedelta(days=14))
        self.assertEqual(self.warning.acknowledge_note, "Called the buyer")

    def test_rep_cannot_act_on_another_reps_warning(self):
        theirs = self.warning.create(
            {"rule_id": self.warning.rule_id.id, "partner_id": self.theirs.id}
        )
        for action in ("action_resolve", "action_acknowledge"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(theirs.with_user(self.rep), action)()
        self.assertEqual(theirs.state, "open")

    def test_only_supervisors_reassign(self):
        with self.assertRaisesRegex(AccessError, "supervisors"):
            self.warning.with_user(self.rep).write({"user_id": self.other_rep.id})
        self.warning.with_user(self.manager).write({"user_id": self.other_rep.id})
        self.assertEqual(self.warning.user_id, self.other_rep)
