import importlib.util
from datetime import date
from pathlib import Path

from odoo.tests import new_test_user, tagged

from .common import REP, MetricsCase

TODAY = date(2026, 6, 30)
MIGRATION = Path(__file__).parents[1] / "migrations" / "19.0.1.0.1" / "post-stage-history-owner.py"


def _migration():
    spec = importlib.util.spec_from_file_location("crm_customer_mgmt_mig_history", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestStageHistoryOwner(MetricsCase):
    """A stage history row names who owned the card when the stage changed, for good."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep_a = new_test_user(cls.env, login="history_rep_a", groups=REP)
        cls.rep_b = new_test_user(cls.env, login="history_rep_b", groups=REP)
        cls.customer = cls._customer("Hengda Valves")
        cls.customer.card_owner_id = cls.rep_a

    def _placed(self):
        self._invoice(self.customer, date(2026, 6, 1), 1000)
        self._pass(self.customer, TODAY)
        row = self.customer.customer_stage_history_ids
        self.assertEqual(len(row), 1)
        self.assertEqual(row.change, "entered")
        self.assertEqual(row.user_id, self.rep_a)
        return row

    def test_hand_over_leaves_past_rows_as_they_were(self):
        row = self._placed()
        self.customer.card_owner_id = self.rep_b
        self.env.flush_all()
        row.invalidate_recordset()
        self.assertEqual(row.user_id, self.rep_a)
        self.assertEqual(
            self.env["crm.customer.stage.history"].search_count(
                [("user_id", "=", self.rep_b.id), ("partner_id", "=", self.customer.id)]
            ),
            0,
        )

    def test_migration_gives_rows_their_owner_back(self):
        row = self._placed()
        untouched = (
            self.env["crm.customer.stage.history"]
            .sudo()
            .create(
                {
                    "partner_id": self._customer("Never Handed Over").id,
                    "stage_to_id": row.stage_to_id.id,
                    "change": "manual",
                    "user_id": self.rep_b.id,
                }
            )
        )
        tracked = self.customer.with_context(tracking_disable=False, mail_notrack=False)
        tracked.card_owner_id = self.rep_b
        self.env.flush_all()
        self.env.cr.flush()  # writes the tracking values
        self.assertIn(
            "card_owner_id", self.customer.message_ids.tracking_value_ids.field_id.mapped("name")
        )
        # as 19.0.1.0.0 left it: the row followed the card to its new owner
        self.env.cr.execute(
            "UPDATE crm_customer_stage_history SET create_date = create_date - interval '1 day',"
            " user_id = %s WHERE id = %s",
            [self.rep_b.id, row.id],
        )
        self.assertEqual(_migration().restore_stage_history_owners(self.env.cr), 1)
        (row | untouched).invalidate_recordset()
        self.assertEqual(row.user_id, self.rep_a)
        self.assertEqual(untouched.user_id, self.rep_b, "no hand-over after it: kept")
