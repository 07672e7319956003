import importlib.util
from pathlib import Path

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.res_partner import REP_PARTNER_RULE_DOMAIN

REP = "crm_customer_mgmt.group_customer_mgmt_user"
RULE = "crm_customer_mgmt.res_partner_rule_customer_mgmt_user"
MIGRATION = Path(__file__).parents[1] / "migrations" / "19.0.1.0.1" / "post-migration.py"


def _migration():
    spec = importlib.util.spec_from_file_location("crm_customer_mgmt_mig_1_0_1", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestPartnerRule(TransactionCase):
    """A rep reads every partner but other reps' customers, and works on his own ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        salesman = f"{REP},sales_team.group_sale_salesman"
        cls.rep_a = new_test_user(cls.env, login="rule_rep_a", groups=salesman)
        cls.rep_b = new_test_user(cls.env, login="rule_rep_b", groups=salesman)
        cls.boss = new_test_user(cls.env, login="rule_boss", groups="base.group_user")
        Partner = cls.env["res.partner"]
        # a colleague's and the company's own contacts may have a salesperson too
        cls.boss.partner_id.user_id = cls.rep_b
        cls.env.company.partner_id.user_id = cls.rep_b
        cls.customer_a = Partner.create(
            {"name": "Customer of A", "is_company": True, "user_id": cls.rep_a.id}
        )
        cls.customer_b = Partner.create(
            {
                "name": "Customer of B",
                "is_company": True,
                "user_id": cls.rep_b.id,
                "customer_rank": 2,
                "supplier_rank": 1,
            }
        )
        cls.contact_b = Partner.create({"name": "Wu Lei", "parent_id": cls.customer_b.id})
        cls.portal_b = new_test_user(
            cls.env, login="rule_portal_b", groups="base.group_portal", name="Portal of B"
        )
        cls.portal_b.partner_id.parent_id = cls.customer_b
        cls.vendor = Partner.create(
            {
                "name": "Steel Supplier",
                "is_company": True,
                "user_id": cls.rep_b.id,
                "supplier_rank": 1,
            }
        )

    def test_rule_holds_the_shipped_domain(self):
        self.assertEqual(self.env.ref(RULE).domain_force, REP_PARTNER_RULE_DOMAIN)

    def test_colleagues_company_and_vendors_stay_readable(self):
        Partner = self.env["res.partner"].with_user(self.rep_a)
        others = self.boss.partner_id | self.env.company.partner_id | self.vendor
        self.assertEqual(Partner.search([("id", "in", others.ids)]), others)
        names = {partner.name for partner in others.with_user(self.rep_a)}
        self.assertEqual(names, {self.boss.name, self.env.company.name, "Steel Supplier"})

    def test_other_reps_customers_and_their_contacts_stay_hidden(self):
        Partner = self.env["res.partner"].with_user(self.rep_a)
        hidden = self.customer_b | self.contact_b | self.portal_b.partner_id
        self.assertFalse(Partner.search([("id", "in", hidden.ids)]))
        for partner in hidden:
            with self.subTest(partner=partner.name), self.assertRaises(AccessError):
                partner.with_user(self.rep_a).read(["name"])

    def test_followers_mentions_activities_and_quotations_on_own_customer(self):
        card = self.customer_a.with_user(self.rep_a)
        card.message_subscribe(partner_ids=self.boss.partner_id.ids)
        self.assertIn(self.boss.partner_id, card.message_partner_ids)
        self.assertIn(self.boss.name, card.message_follower_ids.mapped("name"))
        message = card.message_post(
            body="Please call them", partner_ids=self.boss.partner_id.ids, message_type="comment"
        )
        self.assertEqual(message.partner_ids, self.boss.partner_id)
        activity = card.activity_schedule(
            "mail.mail_activity_data_todo", summary="Visit", user_id=self.boss.id
        )
        self.assertEqual(activity.user_id, self.boss)
        order = self.env["sale.order"].with_user(self.rep_a).create({"partner_id": card.id})
        self.assertEqual(order.partner_invoice_id, self.customer_a)
        self.assertEqual(order.user_id, self.rep_a)

    def test_migration_rewrites_the_shipped_rule_only(self):
        migration, rule = _migration(), self.env.ref(RULE)
        rule.domain_force = migration.SHIPPED_1_0_0
        self.assertTrue(migration.rewrite_rep_partner_rule(self.env))
        self.assertEqual(rule.domain_force, REP_PARTNER_RULE_DOMAIN)
        local = "[('commercial_partner_id.user_id', '=', user.id)]"
        rule.domain_force = local
        with mute_logger(migration.__name__):
            self.assertFalse(migration.rewrite_rep_partner_rule(self.env))
        self.assertEqual(rule.domain_force, local)
