from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import MetricsCase

REP = "crm_customer_mgmt.group_customer_mgmt_user"
TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestCardForms(MetricsCase):
    """The card's main edits as a rep makes them in the form, onchanges included."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="form_rep", groups=REP)
        cls.colleague = new_test_user(cls.env, login="form_colleague", groups=REP)
        Criterion = cls.env["crm.customer.evaluation.criterion"]
        Criterion.search([]).write({"active": False})
        cls.criterion = Criterion.create({"name": "Network", "weight": 50})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Hengda Trading", "is_company": True, "user_id": cls.rep.id}
        )
        cls.env["crm.customer.wallet"].create(
            {
                "partner_id": cls.customer.id,
                "date_from": date(2025, 1, 1),
                "date_to": date(2025, 12, 31),
                "total_spend": 10000,
            }
        )

    def _form(self):
        return Form(self.customer.with_user(self.rep))

    def test_card_owner_and_type_edited_in_the_form(self):
        with freeze_time(TODAY), self._form() as card:
            card.card_owner_id = self.colleague
            card.customer_type = "loyal"
            card.loyalty_attitude = "switcher"
        self.assertEqual(self.customer.card_owner_id, self.colleague)
        self.assertEqual(self.customer.customer_type, "loyal")
        self.assertEqual(self.customer.user_id, self.rep, "the salesperson stays")

    def test_wallet_line_added_in_the_form_shows_our_sales_before_saving(self):
        self._invoice(self.customer, date(2026, 3, 10), 3000)
        with freeze_time(TODAY), self._form() as card:
            with card.customer_wallet_ids.new() as wallet:
                wallet.date_from = date(2026, 1, 1)
                wallet.date_to = date(2026, 12, 31)
                wallet.total_spend = 12000
                self.assertEqual(wallet.our_sales, 3000)
                self.assertAlmostEqual(wallet.share_of_wallet, 25.0)
        period = self.customer.customer_wallet_ids.filtered(lambda w: w.date_from.year == 2026)
        self.assertEqual(period.our_sales, 3000)
        self.assertAlmostEqual(period.share_of_wallet, 25.0)

    def test_wallet_line_edited_in_the_form(self):
        self._invoice(self.customer, date(2025, 5, 2), 2500)
        with freeze_time(TODAY), self._form() as card:
            with card.customer_wallet_ids.edit(0) as wallet:
                wallet.total_spend = 5000
                self.assertAlmostEqual(wallet.share_of_wallet, 50.0)
        self.assertAlmostEqual(self.customer.customer_wallet_ids.share_of_wallet, 50.0)

    def test_evaluation_line_scored_in_the_form(self):
        with freeze_time(TODAY), self._form() as card:
            with card.customer_evaluation_ids.new() as line:
                line.criterion_id = self.criterion
                line.score = 80
            self.assertEqual(card.evaluation_score, 80)
        self.assertEqual(self.customer.customer_evaluation_ids.score, 80)
        self.assertEqual(self.customer.evaluation_score, 80)

    def test_overlapping_wallet_line_is_refused_and_nothing_saved(self):
        card = self._form()
        with card.customer_wallet_ids.new() as wallet:
            wallet.date_from = date(2025, 6, 1)
            wallet.date_to = date(2026, 5, 31)
            wallet.total_spend = 8000
        with self.assertRaises(ValidationError) as caught:  # rolled back to a savepoint
            card.save()
        self.assertIn("overlaps", str(caught.exception))
        self.customer.invalidate_recordset()
        self.assertEqual(len(self.customer.customer_wallet_ids), 1)
