from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import new_test_user, tagged

from .common import MetricsCase

TODAY = date(2026, 6, 30)
REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"


@tagged("post_install", "-at_install")
class TestSecurityConfig(MetricsCase):
    """Configuration an admin types is refused on save when it would break the ladders,
    and read safely when it is stored anyway."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Params = cls.env["ir.config_parameter"].sudo()
        cls.Rule = cls.env["crm.customer.warning.rule"]
        cls.customer = cls._customer("Hengtai Trading")
        cls.stable = cls.env.ref("crm_customer_mgmt.stage_stable")
        cls.rep = new_test_user(cls.env, login="config_rep", groups=REP)
        cls.watch = cls.env["crm.credit.grade"].create(
            {"name": "Watch", "min_score": 30, "block_order_confirmation": True}
        )

    # Stages -----------------------------------------------------------------------------

    def test_stage_sequence_out_of_share_order_is_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.stable.sequence = 5  # before Development (0-30 %) and Initial (30-50 %)
        self.assertIn("ordered by their share bands", str(caught.exception))
        self.assertEqual(self.stable.sequence, 30)
        self.stable.sequence = 35  # still between Initial and Strategic
        self.assertEqual(self.stable.sequence, 35)
