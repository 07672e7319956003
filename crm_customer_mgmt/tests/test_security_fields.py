"""What the pass owns and what the app keeps to itself, played as the attacker plays it:
RPC calls are the model's methods called as that user."""

from datetime import date, timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..models.tools import owned_writer
from .common import MetricsCase

REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman"
TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestPassOwnedFields(MetricsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="sec_rep", groups=REP, name="Zhou Rep")
        cls.manager = new_test_user(cls.env, login="sec_mgr", groups=MANAGER, name="Qian Boss")
        cls.customer = cls._customer("Owned Co.")
        cls.customer.user_id = cls.rep
        cls.grade_a = cls.env.ref("crm_customer_mgmt.credit_grade_a")
        cls.grade_d = cls.env.ref("crm_customer_mgmt.credit_grade_d")
        cls.stage = cls.env["crm.customer.stage"].search([], limit=1)
        owned_writer(cls.customer).write(
            {"credit_grade_id": cls.grade_d.id, "credit_score": 21.5, "abc_class": "C"}
        )

    def _attacks(self):
        """Each field the pass owns, with a value an attacker would like it to have."""
        return {
            "credit_grade_id": self.grade_a.id,
            "credit_score": 99.0,
            "customer_stage_id": self.stage.id,
            "stage_proposed_id": self.stage.id,
            "abc_class": "A",
            "value_tier": "vip",
            "share_of_wallet": 100.0,
            "credit_recommended_limit": 1e9,
            "evaluation_score": 100.0,
            "card_completeness": 100,
            "card_reviewer_id": self.manager.id,
            "card_review_date": TODAY,
            "last_order_date": TODAY,
        }

    def test_rep_and_supervisor_cannot_write_what_the_pass_owns(self):
        before = self.customer.read(list(self._attacks()))[0]
        for user in (self.rep, self.manager):
            for name, value in self._attacks().items():
                with self.subTest(user=user.login, field=name):
                    with self.assertRaisesRegex(AccessError, "cannot be changed directly"):
                        self.customer.with_user(user).write({name: value})
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.read(list(self._attacks()))[0], before)
        self.assertEqual(self.customer.credit_grade_id, self.grade_d)

    def test_rep_cannot_create_a_customer_with_a_grade(self):
        with self.assertRaisesRegex(AccessError, "cannot be changed directly"):
            self.env["res.partner"].with_user(self.rep).create(
                {"name": "Forged Co.", "is_company": True, "credit_grade_id": self.grade_a.id}
            )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Forged Co.")]))

    def test_a_copy_carries_no_assessment(self):
        copy = self.customer.with_user(self.manager).copy()
        self.assertFalse(copy.credit_grade_id)
        self.assertFalse(copy.abc_class)

    def test_forged_review_is_refused_but_mark_reviewed_works(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.rep).write(
                {"card_review_date": TODAY, "card_reviewer_id": self.manager.id}
            )
        self.assertFalse(self.customer.card_review_date)
        self.customer.with_user(self.rep).action_mark_card_reviewed()
        self.assertEqual(self.customer.card_reviewer_id, self.rep, "the rep's own review")

    def test_only_supervisors_and_accountants_change_debtor_trust_and_limits(self):
        for values in ({"trust": "good"}, {"credit_limit": 1e6}, {"use_partner_credit_limit": 1}):
            with self.subTest(values=values), self.assertRaisesRegex(AccessError, "supervisors"):
                self.customer.with_user(self.rep).write(values)
        self.assertEqual(self.customer.trust, "normal")
        self.customer.with_user(self.manager).write({"trust": "bad"})
        self.assertEqual(self.customer.trust, "bad")
        self.assertEqual(self.customer.credit_trust_set_by_id, self.manager)
        self._pass(self.customer, TODAY)
        self.assertIn(
            f"Debtor trust set by Qian Boss on {self.customer.credit_trust_set_date:%Y-%m-%d}",
            self.customer.credit_score_explanation,
        )

    def test_the_superuser_is_no_supervisor(self):
        """The portal and payment flows run as the superuser: its groups decide nothing."""
        owned_writer(self.customer).write(
            {"credit_recommended_limit": 5000, "stage_proposed_id": self.stage.id}
        )
        for action in ("action_apply_recommended_credit_limit", "action_confirm_stage"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(self.customer.sudo(), action)()
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(self.customer.with_user(self.rep), action)()
        self.assertEqual(self.customer.sudo().credit_limit, 0)
        self.assertEqual(self.customer.stage_proposed_id, self.stage)

    def test_a_refresh_by_the_rep_still_writes_what_the_pass_owns(self):
        self._pay(self._invoice(self.customer, date(2026, 6, 1), 500), date(2026, 6, 1))
        self.customer.with_user(self.rep).action_refresh_relationship()
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.last_order_date, date(2026, 6, 1))
        self.assertTrue(self.customer.credit_score_explanation)


@tagged("post_install", "-at_install")
class TestAssessmentsStayWithTheApp(MetricsCase):
    """Grades, scores, stages and warnings never reach a plain employee or the portal."""

    ASSESSMENTS = (
        "credit_score",
        "credit_grade_id",
        "credit_score_explanation",
        "credit_blocks_orders",
        "card_completeness",
        "customer_stage_id",
        "share_of_wallet",
        "abc_class",
        "customer_warning_count",
        "last_contact_date",
        "next_contact_date",
        "days_since_last_contact",
        "contact_days_late",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk = new_test_user(cls.env, login="sec_clerk", groups="base.group_user")
        cls.customer = cls._customer("Private Co.")
        owned_writer(cls.customer).write(
            {"credit_grade_id": cls.env.ref("crm_customer_mgmt.credit_grade_d").id}
        )
        cls.portal = new_test_user(
            cls.env, login="sec_portal", groups="base.group_portal", name="Private Buyer"
        )
        cls.portal.partner_id.parent_id = cls.customer

    def test_plain_employee_and_portal_user_read_none_of_it(self):
        for user, partner in ((self.clerk, self.customer), (self.portal, self.customer)):
            for name in self.ASSESSMENTS:
                with self.subTest(user=user.login, field=name), self.assertRaises(AccessError):
                    partner.with_user(user).read([name])
        self.assertEqual(
            self.customer.with_user(self.clerk).read(["name"])[0]["name"], "Private Co."
        )

    def test_plain_employee_gets_contact_views_without_the_apps_fields(self):
        Partner = self.env["res.partner"].with_user(self.clerk)
        views = Partner.get_views([(False, "form"), (False, "list"), (False, "kanban")])
        names = set(views["models"]["res.partner"]["fields"])
        self.assertFalse(names & set(self.ASSESSMENTS))
        ours = {name for name in names if Partner._fields[name]._module == "crm_customer_mgmt"}
        # what those views show of ours, the clerk may read: opening them does not fail
        rows = self.customer.with_user(self.clerk).web_read({name: {} for name in ours})
        self.assertEqual([row["id"] for row in rows], self.customer.ids)
        self.assertEqual(set(rows[0]) - {"id"}, ours)

    def test_grade_and_stage_changes_stay_off_the_chatter(self):
        customer = self._customer("Chatty Co.")
        self._pay(self._invoice(customer, date(2026, 1, 5), 1000), date(2026, 1, 5))
        self._pass(customer, TODAY)
        self._invoice(customer, date(2026, 2, 1), 5000)  # never paid: the grade falls
        self._pass(customer, date(2026, 7, 1))
        self.assertEqual(len(customer.credit_grade_history_ids), 2, "the history keeps them")
        self.assertTrue(customer.customer_stage_history_ids)
        bodies = " ".join(customer.message_ids.mapped(lambda m: str(m.body or "")))
        for word in ("Credit grade", "Relationship stage", "Score", "Share of wallet"):
            self.assertNotIn(word, bodies)


@tagged("post_install", "-at_install")
class TestRepEnteredScores(MetricsCase):
    """Scores the card's rep types count toward credit only once a supervisor approves."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="score_rep", groups=REP, name="Sun Rep")
        cls.manager = new_test_user(cls.env, login="score_mgr", groups=MANAGER, name="Li Boss")
        cls.customer = cls._customer("Scored Co.")
        cls.customer.user_id = cls.rep
        cls.criteria = cls.env["crm.customer.evaluation.criterion"].search([])
        # a customer that pays late: its credit has room to rise
        cls.invoice_date = date(2026, 3, 1)

    def _score_all(self, user, score):
        card = self.customer.with_user(user)
        existing = {line.criterion_id: line for line in card.customer_evaluation_ids}
        card.write(
            {
                "customer_evaluation_ids": [
                    (1, existing[criterion].id, {"score": score})
                    if criterion in existing
                    else (0, 0, {"criterion_id": criterion.id, "score": score})
                    for criterion in self.criteria
                ]
            }
        )

    def test_rep_scores_wait_for_approval(self):
        self._pay(self._invoice(self.customer, self.invoice_date, 1000), date(2026, 5, 30))
        self._pass(self.customer, TODAY)
        baseline = self.customer.credit_score
        self._score_all(self.rep, 100)
        lines = self.customer.customer_evaluation_ids
        self.assertEqual(set(lines.mapped("approved")), {False})
        self.assertEqual(lines.entered_by_id, self.rep)
        self._pass(self.customer, TODAY)
        self.assertEqual(self.customer.credit_score, baseline, "unapproved scores do not count")
        self.assertIn(
            "await a customer supervisor's approval", self.customer.credit_score_explanation
        )
        self.assertIn("Sun Rep", self.customer.credit_score_explanation)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.rep).action_approve_evaluation()
        with self.assertRaisesRegex(AccessError, "cannot be changed directly"):
            lines.with_user(self.rep).write({"approved": True})
        self.customer.with_user(self.manager).action_approve_evaluation()
        self.assertEqual(set(lines.mapped("approved")), {True})
        self.assertEqual(lines.approved_by_id, self.manager)
        self._pass(self.customer, TODAY + timedelta(days=2))
        self.assertGreater(self.customer.credit_score, baseline)
        self.assertIn("approved by Li Boss", self.customer.credit_score_explanation)

    def test_a_reps_change_after_approval_needs_approval_again(self):
        self._score_all(self.manager, 40)
        lines = self.customer.customer_evaluation_ids
        self.assertEqual(set(lines.mapped("approved")), {True}, "a supervisor's own entry counts")
        self._score_all(self.rep, 100)
        self.assertEqual(set(lines.mapped("approved")), {False})

    def test_a_rep_cannot_erase_an_approved_score(self):
        self._pay(self._invoice(self.customer, self.invoice_date, 1000), date(2026, 5, 30))
        self._score_all(self.manager, 5)  # a supervisor's poor marks count at once
        self._pass(self.customer, TODAY)
        marked_down = self.customer.credit_score
        lines = self.customer.customer_evaluation_ids.with_user(self.rep)
        self._score_all(self.rep, 100)
        self._pass(self.customer, TODAY)
        self.assertEqual(self.customer.credit_score, marked_down, "the approved 5 still counts")
        lines.write({"scored": False, "score": 0})
        self._pass(self.customer, TODAY)
        self.assertEqual(self.customer.credit_score, marked_down, "unscoring erases nothing")
        with self.assertRaisesRegex(AccessError, "Only customer supervisors can delete"):
            lines.unlink()
        with self.assertRaisesRegex(AccessError, "Only customer supervisors can delete"):
            self.customer.with_user(self.rep).write(
                {"customer_evaluation_ids": [(2, line.id) for line in lines]}
            )
        other = self.env["crm.customer.evaluation.criterion"].create(
            {"name": "Spare", "weight": 1}
        )
        lines[0].write({"criterion_id": other.id})
        self.assertFalse(lines[0].approved_date, "an approval holds for its criterion only")
        self.assertEqual(len(self.customer.customer_evaluation_ids), len(self.criteria))

    def test_the_superuser_is_no_approver(self):
        self._score_all(self.rep, 90)
        with self.assertRaises(AccessError):
            self.customer.sudo().action_approve_evaluation()
        self.assertFalse(any(self.customer.customer_evaluation_ids.mapped("approved")))

    def test_a_supervisors_review_approves_the_scores(self):
        self._score_all(self.rep, 70)
        self.customer.with_user(self.manager).action_mark_card_reviewed()
        self.assertEqual(set(self.customer.customer_evaluation_ids.mapped("approved")), {True})
