from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from ..models.tools import owned_writer
from .common import CustomerCardCase


@tagged("post_install", "-at_install")
class TestCustomerCard(CustomerCardCase):
    def test_weighted_score_leaves_unscored_out(self):
        self._evaluate(
            self.customer,
            {self.crit_network: 80, self.crit_promotion: 60, self.crit_reputation: None},
        )
        # (50*80 + 30*60) / (50 + 30): the unscored 20-weight criterion is not a zero
        self.assertAlmostEqual(self.customer.evaluation_score, 72.5)
        self.assertEqual(self.customer.evaluation_missing, "Reputation")

    def test_missing_line_is_listed_and_zero_can_be_scored(self):
        self._evaluate(self.customer, {self.crit_network: 0, self.crit_promotion: 100})
        self.assertAlmostEqual(self.customer.evaluation_score, 37.5)
        self.assertEqual(self.customer.evaluation_missing, "Reputation")

    def test_nothing_scored(self):
        self._evaluate(self.customer, {self.crit_network: None})
        self.assertEqual(self.customer.evaluation_score, 0)
        self.assertEqual(self.customer.evaluation_missing, "Network, Promotion, Reputation")

    def test_score_follows_weights_and_archiving(self):
        self._evaluate(self.customer, {self.crit_network: 80, self.crit_promotion: 40})
        self.assertAlmostEqual(self.customer.evaluation_score, 65.0)
        self.crit_promotion.weight = 50
        self.assertAlmostEqual(self.customer.evaluation_score, 60.0)
        self.crit_promotion.active = False
        self.assertAlmostEqual(self.customer.evaluation_score, 80.0)

    def test_a_nonzero_score_marks_the_line_scored(self):
        with Form(self.customer) as card:
            with card.customer_evaluation_ids.new() as line:
                line.criterion_id = self.crit_network
                self.assertFalse(line.scored)
                line.score = 70
                self.assertTrue(line.scored)
        self.assertAlmostEqual(self.customer.evaluation_score, 70.0)

    def test_score_out_of_range_is_refused(self):
        for score in (-1, 101):
            with self.assertRefused("between 0 and 100"):
                self._evaluate(self.customer, {self.crit_network: score})
        self.assertFalse(self.customer.customer_evaluation_ids)

    def test_one_line_per_criterion(self):
        self._evaluate(self.customer, {self.crit_network: 50})
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._evaluate(self.customer, {self.crit_network: 60})
            self.env.flush_all()

    def test_weight_out_of_range_is_refused(self):
        for weight in (-5, 101):
            with self.assertRefused("Weight of Network must be between 0 and 100"):
                self.crit_network.weight = weight
        self.assertEqual(self.crit_network.weight, 50)

    def test_all_weights_zero_is_refused(self):
        with self.assertRefused("weight above zero"):
            (self.crit_network | self.crit_promotion | self.crit_reputation).write({"weight": 0})
        self.assertEqual(self.crit_reputation.weight, 20)
        # zero for some is fine
        self.crit_reputation.weight = 0
        self.assertEqual(self.crit_reputation.weight, 0)

    def test_finance_ranges_are_refused(self):
        bad_values = {
            "liquid_asset_ratio": 120,
            "net_profit_margin": -150,
            "return_on_assets": 101,
            "collection_cycle_days": -1,
            "inventory_cycle_days": 4000,
            "sales_staff_count": -3,
        }
        self.customer.write({"liquid_asset_ratio": 40, "collection_cycle_days": 45})
        for name, value in bad_values.items():
            with self.subTest(field=name), self.assertRefused("must be between"):
                self.customer.write({"liquid_asset_ratio": 50, name: value})
        # nothing half-written: the valid value of the refused write did not land either
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.liquid_asset_ratio, 40)
        self.assertEqual(self.customer.collection_cycle_days, 45)

    @freeze_time("2026-03-10")
    def test_future_dates_are_refused(self):
        contact = self.env["res.partner"].create(
            {"name": "Wang Lei", "parent_id": self.customer.id}
        )
        with self.assertRefused("cannot be in the future"):
            owned_writer(self.customer).card_review_date = date(2026, 3, 11)
        with self.assertRefused("cannot be in the future"):
            contact.birthday = date(2027, 1, 1)
        with self.assertRefused("cannot be in the future"):
            contact.joined_company_date = date(2026, 4, 1)
        contact.birthday = date(1980, 5, 4)
        self.assertEqual(contact.birthday, date(1980, 5, 4))

    def test_completeness_counts_the_configured_fields(self):
        self.env["ir.config_parameter"].set_param(
            "crm_customer_mgmt.card_completeness_fields",
            "phone,email,customer_type,liquid_asset_ratio",
        )
        self.customer._recompute_card_completeness()
        self.assertEqual(self.customer.card_completeness, 0)
        self.customer.write({"phone": "+86 21 5555 0101", "customer_type": "loyal"})
        self.assertEqual(self.customer.card_completeness, 50)
        self.customer.liquid_asset_ratio = 35
        self.assertEqual(self.customer.card_completeness, 75)
        contact = self.env["res.partner"].create({"name": "Li Na", "parent_id": self.customer.id})
        self.assertEqual(contact.card_completeness, 0, "contacts have no card")

    def test_settings_change_completeness_fields(self):
        self.customer.write({"phone": "+86 21 5555 0101", "email": "buy@jinhai.example"})
        settings = self.env["res.config.settings"].create({})
        settings.card_completeness_field_ids = self.env["ir.model.fields"].search(
            [("model", "=", "res.partner"), ("name", "in", ("phone", "vat"))]
        )
        settings.execute()
        self.assertEqual(self.customer.card_completeness, 50)
        self.assertEqual(self.env["res.partner"]._card_completeness_fields(), ["phone", "vat"])

    def test_settings_refuse_bad_values(self):
        with self.assertRefused(
            "Card Review Interval \\(days\\) .* must be between 1 and 3650, not 0"
        ):
            self.env["res.config.settings"].create({"card_stale_days": 0})
        with self.assertRefused("at least one field"):
            self.env["res.config.settings"].create({"card_completeness_field_ids": [(5, 0, 0)]})

    def test_mark_reviewed_logs_and_clears_staleness(self):
        self.env["ir.config_parameter"].set_param("crm_customer_mgmt.card_stale_days", "30")
        Partner = self.env["res.partner"]
        with freeze_time("2026-01-01"):
            self.customer.action_mark_card_reviewed()
        self.assertEqual(self.customer.card_review_date, date(2026, 1, 1))
        self.assertEqual(self.customer.card_reviewer_id, self.env.user)
        self.assertIn("Customer card reviewed by", self.customer.message_ids[0].body)
        with freeze_time("2026-01-25"):
            self.customer.invalidate_recordset(["card_is_stale"])
            self.assertFalse(self.customer.card_is_stale)
            self.assertNotIn(self.customer, Partner.search([("card_is_stale", "=", True)]))
        with freeze_time("2026-02-15"):
            self.customer.invalidate_recordset(["card_is_stale"])
            self.assertTrue(self.customer.card_is_stale)
            self.assertIn(self.customer, Partner.search([("card_is_stale", "=", True)]))
            self.assertNotIn(self.customer, Partner.search([("card_is_stale", "=", False)]))
            self.customer.action_mark_card_reviewed()
            self.assertFalse(self.customer.card_is_stale)
            self.assertIn(self.customer, Partner.search([("card_is_stale", "!=", True)]))

    def test_never_reviewed_card_is_stale(self):
        self.assertTrue(self.customer.card_is_stale)

    def test_card_owner_follows_salesperson(self):
        rep = self.env["res.users"].create({"name": "Zhao Min", "login": "zhao.min.card"})
        other = self.env["res.users"].create({"name": "Qian Hui", "login": "qian.hui.card"})
        self.customer.user_id = rep
        self.assertEqual(self.customer.card_owner_id, rep)
        self.customer.card_owner_id = other
        self.assertEqual(self.customer.card_owner_id, other)
        self.customer.user_id = False
        self.assertEqual(self.customer.card_owner_id, other, "owner kept when salesperson leaves")

    def test_card_fields_are_tracked(self):
        self.customer.customer_type = "potential"
        self.env.cr.precommit.run()
        self.customer.customer_type = "loyal"
        self.env.cr.precommit.run()
        tracked = self.customer.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "customer_type"
        )
        self.assertEqual(tracked[:1].new_value_char, "Loyal")
