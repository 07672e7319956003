from datetime import date, timedelta

from odoo.tests import HttpCase, new_test_user, tagged

from ..models.tools import owned_writer

REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman"


@tagged("post_install", "-at_install", "crm_customer_mgmt_tours")
class TestTours(HttpCase):
    """The screens in a real browser, as a rep and as a supervisor; any server error or
    traceback dialog fails the tour."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="tour_rep", groups=REP, name="Tour Rep")
        cls.rep_two = new_test_user(cls.env, login="tour_rep_two", groups=REP, name="Tour Rep Two")
        cls.supervisor = new_test_user(
            cls.env, login="tour_supervisor", groups=MANAGER, name="Tour Supervisor"
        )
        stage = cls.env.ref
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Tour Hengda Trading",
                "is_company": True,
                "customer_rank": 1,
                "user_id": cls.rep.id,
                "email": "buyer@hengda.example.com",
            }
        )
        # the administrator follows the customer, and his own contact has a salesperson
        admin = cls.env.ref("base.partner_admin")
        admin.user_id = cls.rep_two
        cls.customer.message_subscribe(partner_ids=admin.ids)
        cls.env["crm.customer.wallet"].create(
            {
                "partner_id": cls.customer.id,
                "date_from": date(2025, 1, 1),
                "date_to": date(2025, 12, 31),
                "total_spend": 150000,
            }
        )
        # what the nightly pass would have found
        owned_writer(cls.customer).write(
            {
                "customer_stage_id": stage("crm_customer_mgmt.stage_stable").id,
                "stage_proposed_id": stage("crm_customer_mgmt.stage_strategic").id,
                "stage_date": date(2025, 6, 1),
                "share_of_wallet": 85,
                "credit_grade_id": stage("crm_customer_mgmt.credit_grade_a").id,
                "credit_score": 82,
                "credit_score_explanation": "Payment punctuality: 36 of 40 points",
                "credit_recommended_limit": 50000,
            }
        )
        Rule = cls.env["crm.customer.warning.rule"]
        scope = repr([("id", "=", cls.customer.id)])
        overdue = Rule.create(
            {"name": "Tour overdue rule", "metric": "overdue_days", "threshold": 30}
        )
        Rule.create(
            {
                "name": "Tour review rule",
                "metric": "days_since_review",
                "operator": ">",
                "threshold": 90,
                "partner_domain": scope,
            }
        )
        cls.warning = cls.env["crm.customer.warning"].create(
            {
                "rule_id": overdue.id,
                "partner_id": cls.customer.id,
                "value": 45,
                "threshold": 30,
                "message": "Tour overdue rule: oldest overdue 45 days (threshold >= 30)",
                "user_id": cls.rep.id,
            }
        )

    def _tour(self, name, login):
        self.start_tour(f"/odoo/customer-cards/{self.customer.id}", name, login=login)

    def test_rep_tour(self):
        self._tour("crm_customer_mgmt_rep_tour", "tour_rep")
        self.assertEqual(self.customer.customer_type, "loyal")
        self.assertEqual(self.customer.card_reviewer_id, self.rep)
        self.assertEqual(len(self.customer.customer_wallet_ids), 2)
        self.assertEqual(self.warning.state, "acknowledged")
        self.assertEqual(self.warning.snoozed_until, date.today() + timedelta(days=30))
        self.assertEqual(self.warning.acknowledge_note, "Called the buyer, payment promised")

    def test_supervisor_tour(self):
        self._tour("crm_customer_mgmt_supervisor_tour", "tour_supervisor")
        self.assertEqual(self.customer.card_owner_id, self.rep_two)
        self.assertEqual(self.customer.customer_stage_id.name, "Stable cooperation")
        self.assertTrue(self.customer.stage_manual)
        self.assertEqual(self.customer.credit_limit, 50000)
        new_rule = (
            self.env["crm.customer.warning.rule"]
            .with_context(active_test=False)
            .search([("name", "=", "Tour new rule")])
        )
        self.assertFalse(new_rule.active, "a preview starts no rule")
        self.assertEqual(
            [
                (line.metric, line.kind, line.operator, line.threshold)
                for line in new_rule.condition_ids
            ],
            [
                ("months_declining", "value", ">=", 3),
                ("product_lines", "change", "<=", -40),
            ],
            "two conditions built in the form",
        )
        self.assertEqual(new_rule.match, "all")
