from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CustomerCardCase

REP = "crm_customer_mgmt.group_customer_mgmt_user"
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager"


@tagged("post_install", "-at_install")
class TestCardAccess(CustomerCardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep_a = new_test_user(cls.env, login="rep_a", groups=REP)
        cls.rep_b = new_test_user(cls.env, login="rep_b", groups=REP)
        cls.manager = new_test_user(cls.env, login="cm_manager", groups=MANAGER)
        cls.clerk = new_test_user(cls.env, login="clerk", groups="base.group_user")
        Partner = cls.env["res.partner"]
        cls.customer_a = Partner.create(
            {
                "name": "Customer of A",
                "is_company": True,
                "user_id": cls.rep_a.id,
                "liquid_asset_ratio": 42,
            }
        )
        cls.customer_b = Partner.create(
            {
                "name": "Customer of B",
                "is_company": True,
                "user_id": cls.rep_b.id,
                "liquid_asset_ratio": 17,
            }
        )
        cls.contact_b = Partner.create(
            {
                "name": "Sun Li",
                "parent_id": cls.customer_b.id,
                "buying_role": "decision_maker",
                "native_place": "Ningbo",
                "family_note": "Two children",
            }
        )
        cls.pool_customer = Partner.create({"name": "Unassigned Co.", "is_company": True})

    def test_rep_reads_and_edits_own_card(self):
        card = self.customer_a.with_user(self.rep_a)
        self.assertEqual(card.liquid_asset_ratio, 42)
        card.write({"customer_type": "loyal", "net_profit_margin": 8})
        card.action_mark_card_reviewed()
        card.invalidate_recordset()
        self.assertEqual(card.customer_type, "loyal")
        self.assertEqual(card.net_profit_margin, 8)
        self.assertEqual(self.customer_a.card_reviewer_id, self.rep_a)

    def test_rep_cannot_read_another_reps_card_or_contacts(self):
        Partner = self.env["res.partner"].with_user(self.rep_a)
        found = Partner.search([("is_company", "=", True)])
        self.assertIn(self.customer_a, found)
        self.assertIn(self.pool_customer, found)
        self.assertNotIn(self.customer_b, found)
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.rep_a).read(["liquid_asset_ratio"])
        with self.assertRaises(AccessError):
            self.contact_b.with_user(self.rep_a).read(["native_place"])
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.rep_a).write({"customer_type": "potential"})
        self.assertFalse(self.customer_b.customer_type)

    def test_card_owner_shares_the_card(self):
        self.customer_b.card_owner_id = self.rep_a
        self.assertEqual(self.contact_b.with_user(self.rep_a).native_place, "Ningbo")
        self.assertEqual(self.contact_b.with_user(self.rep_b).native_place, "Ningbo")

    def test_rep_sees_only_own_evaluations(self):
        self._evaluate(self.customer_a, {self.crit_network: 70})
        self._evaluate(self.customer_b, {self.crit_network: 30})
        lines = (
            self.env["crm.customer.evaluation"]
            .with_user(self.rep_a)
            .search([("partner_id", "in", (self.customer_a | self.customer_b).ids)])
        )
        self.assertEqual(lines.partner_id, self.customer_a)

    def test_outsider_sees_contact_without_personal_fields(self):
        contact = self.contact_b.with_user(self.clerk)
        self.assertEqual(contact.name, "Sun Li")
        for name in ("native_place", "family_note", "buying_role", "birthday"):
            with self.subTest(field=name), self.assertRaises(AccessError):
                contact.read([name])
        self.assertNotIn("family_note", contact.fields_get())
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.clerk).read(["liquid_asset_ratio"])

    def test_rep_cannot_configure(self):
        Criterion = self.env["crm.customer.evaluation.criterion"].with_user(self.rep_a)
        self.assertTrue(Criterion.search([]))
        with self.assertRaises(AccessError):
            Criterion.create({"name": "Price discipline", "weight": 5})
        with self.assertRaises(AccessError):
            self.crit_network.with_user(self.rep_a).weight = 10
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.rep_a).create({}).execute()
        self.assertEqual(self.crit_network.weight, 50)
        self.assertFalse(Criterion.sudo().search([("name", "=", "Price discipline")]))

    def test_manager_reads_all_and_configures(self):
        Partner = self.env["res.partner"].with_user(self.manager)
        self.assertEqual(self.customer_b.with_user(self.manager).liquid_asset_ratio, 17)
        self.assertEqual(self.contact_b.with_user(self.manager).family_note, "Two children")
        self.assertIn(self.customer_b, Partner.search([("is_company", "=", True)]))
        criterion = (
            self.env["crm.customer.evaluation.criterion"]
            .with_user(self.manager)
            .create({"name": "Price discipline", "weight": 5})
        )
        self.assertEqual(criterion.weight, 5)
        self.customer_b.with_user(self.manager).write({"customer_type": "one_time"})
        self.assertEqual(self.customer_b.customer_type, "one_time")

    def test_rep_creating_a_customer_owns_it(self):
        customer = (
            self.env["res.partner"]
            .with_user(self.rep_a)
            .create({"name": "New Lead Co.", "is_company": True, "user_id": self.rep_a.id})
        )
        self.assertEqual(customer.card_owner_id, self.rep_a)
