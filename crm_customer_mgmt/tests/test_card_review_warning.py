from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from ..models.tools import owned_writer
from .common import MetricsCase

REP = "crm_customer_mgmt.group_customer_mgmt_user"
TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestCardReviewWarning(MetricsCase):
    """The card-review warning says what the card's Stale flag says, and follows a review."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="review_rep", groups=REP)
        shipped = cls.env.ref("crm_customer_mgmt.warning_rule_stale_card").sudo()
        cls.rule = shipped.copy({"company_id": cls.env.company.id, "name": shipped.name})
        cls.never = cls._card("Never Reviewed Co.", None)
        cls.recent = cls._card("Recently Reviewed Co.", TODAY - timedelta(days=10))
        cls.old = cls._card("Long Ago Co.", TODAY - timedelta(days=330))
        cls.cards = cls.never | cls.recent | cls.old
        cls.rule.partner_domain = repr([("id", "in", cls.cards.ids)])

    @classmethod
    def _card(cls, name, reviewed):
        card = cls._customer(name)
        card.user_id = cls.rep
        # the review date is the app's own (Mark reviewed): set as the app sets it
        owned_writer(card).card_review_date = reviewed
        return card

    def _run(self):
        self._pass(self.cards, TODAY)
        with freeze_time(TODAY):
            self.rule._evaluate(TODAY)
        return self.env["crm.customer.warning"].search([("rule_id", "=", self.rule.id)])

    def test_warning_agrees_with_the_stale_flag(self):
        warnings = self._run()
        with freeze_time(TODAY):
            stale = self.cards.filtered("card_is_stale")
        self.assertEqual(stale, self.never | self.old)
        self.assertEqual(warnings.partner_id, stale)
        by_partner = {warning.partner_id: warning for warning in warnings}
        self.assertIn("card never reviewed", by_partner[self.never].message)
        self.assertIn("card reviewed 330 days ago", by_partner[self.old].message)

    def test_mark_reviewed_resolves_the_warning_at_once(self):
        warnings = self._run()
        with freeze_time(TODAY):
            (self.never | self.old).with_user(self.rep).action_mark_card_reviewed()
        self.assertEqual(set(warnings.mapped("state")), {"resolved"})
        self.assertEqual(set(warnings.mapped("resolved_date")), {TODAY})
        self.assertFalse(self.old.customer_warning_count)

    def test_review_that_still_holds_rewords_the_warning(self):
        self.rule.threshold = 0
        self.rule.operator = ">="
        warning = self._run().filtered(lambda w: w.partner_id == self.old)
        with freeze_time(TODAY):
            self.old.with_user(self.rep).action_mark_card_reviewed()
        self.assertEqual(warning.state, "open")
        self.assertIn("card reviewed 0 days ago", warning.message)
        self.assertEqual(warning.value, 0)
