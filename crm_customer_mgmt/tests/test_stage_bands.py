from datetime import date

from odoo.tests import tagged

from ..engine import stages as stage_engine
from ..models.tools import owned_writer
from .common import MetricsCase
from .test_partner_rule import _migration

TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestStageBands(MetricsCase):
    """The shipped bands are valid and let a main supplier be proposed as strategic."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stable = cls.env.ref("crm_customer_mgmt.stage_stable")
        cls.strategic = cls.env.ref("crm_customer_mgmt.stage_strategic")
        cls.customer = cls._customer("Hengda Trading")
        cls.env["crm.customer.wallet"].create(
            {
                "partner_id": cls.customer.id,
                "total_spend": 10000,
                "date_from": date(2026, 1, 1),
                "date_to": date(2026, 12, 31),
            }
        )
        owned_writer(cls.customer).write(
            {"customer_stage_id": cls.stable.id, "stage_date": date(2026, 1, 1)}
        )

    def test_shipped_bands_are_valid(self):
        ladder = self.env["crm.customer.stage"].search([("active", "=", True)])
        self.assertFalse(stage_engine.band_problems(ladder._engine_stages()))
        self.assertTrue(self.strategic.requires_confirmation)
        self.assertLess(self.strategic.share_min, 100, "a share of 100 % is all but unseen")

    def test_main_supplier_is_proposed_for_strategic(self):
        self._invoice(self.customer, date(2026, 5, 1), 8500)
        self._pass(self.customer, TODAY)
        self.assertAlmostEqual(self.customer.share_of_wallet, 85.0)
        self.assertEqual(self.customer.customer_stage_id, self.stable, "proposed, not entered")
        self.assertEqual(self.customer.stage_proposed_id, self.strategic)

    def test_stable_below_the_strategic_band_gets_no_proposal(self):
        self._invoice(self.customer, date(2026, 5, 1), 7000)
        self._pass(self.customer, TODAY)
        self.assertEqual(self.customer.customer_stage_id, self.stable)
        self.assertFalse(self.customer.stage_proposed_id)

    def test_migration_moves_the_shipped_bands_only(self):
        migration = _migration()
        self.env.cr.execute(
            "UPDATE crm_customer_stage SET share_min = 50, share_max = 100 WHERE id = %s",
            [self.stable.id],
        )
        self.env.cr.execute(
            "UPDATE crm_customer_stage SET share_min = 100, share_max = 100 WHERE id = %s",
            [self.strategic.id],
        )
        self.env["crm.customer.stage"].invalidate_model()
        self.assertTrue(migration.rewrite_stage_bands(self.env))
        self.assertEqual((self.stable.share_min, self.stable.share_max), (50, 80))
        self.assertEqual((self.strategic.share_min, self.strategic.share_max), (80, 100))
        self.strategic.share_max = 120
        self.assertFalse(migration.rewrite_stage_bands(self.env))
        self.assertEqual(self.strategic.share_max, 120)
