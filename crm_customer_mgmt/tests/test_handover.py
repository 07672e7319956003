from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, RedirectWarning, UserError
from odoo.tests import BaseCase, Form, HttpCase, TransactionCase, new_test_user, tagged

from ..engine import handover as handover_engine
from ..models.tools import owned_writer

REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
SUPERVISOR = "crm_customer_mgmt.group_customer_mgmt_manager"


@tagged("post_install", "-at_install")
class TestHandoverEngine(BaseCase):
    def test_round_robin_takes_turns(self):
        self.assertEqual(
            handover_engine.allocate([1, 2, 3, 4, 5], [10, 20], handover_engine.ROUND_ROBIN),
            {1: 10, 2: 20, 3: 10, 4: 20, 5: 10},
        )

    def test_balanced_fills_the_lightest_first(self):
        self.assertEqual(
            handover_engine.allocate([1, 2, 3, 4], [10, 20], handover_engine.BALANCED, {10: 2}),
            {1: 20, 2: 20, 3: 10, 4: 20},
        )

    def test_no_rep_is_an_error(self):
        with self.assertRaises(ValueError):
            handover_engine.allocate([1], [], handover_engine.BALANCED)


class HandoverCase(TransactionCase):
    """Rep Anna sells to Alpha and Beta and keeps Gamma's card; Xu keeps Beta's card and
    sells to Gamma."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supervisor = new_test_user(
            cls.env, login="ho_supervisor", groups=SUPERVISOR, name="Ho Supervisor"
        )
        cls.user_admin = new_test_user(
            cls.env, login="ho_user_admin", groups=f"{SUPERVISOR},base.group_erp_manager"
        )
        cls.anna, cls.bo, cls.chen, cls.xu = (
            new_test_user(cls.env, login=f"ho_{name.lower()}", groups=REP, name=f"{name} Rep")
            for name in ("Anna", "Bo", "Chen", "Xu")
        )
        Partner = cls.env["res.partner"]
        cls.alpha, cls.beta, cls.gamma = Partner.create(
            [
                {"name": "HO Alpha", "is_company": True, "customer_rank": 1},
                {"name": "HO Beta", "is_company": True, "customer_rank": 1},
                {"name": "HO Gamma", "is_company": True, "customer_rank": 1},
            ]
        )
        cls.alpha.user_id = cls.anna
        cls.beta.write({"user_id": cls.anna.id, "card_owner_id": cls.xu.id})
        cls.gamma.write({"user_id": cls.xu.id, "card_owner_id": cls.anna.id})
        cls.buyer = Partner.create(
            {"name": "HO Alpha Buyer", "parent_id": cls.alpha.id, "user_id": cls.anna.id}
        )
        cls.alpha.message_subscribe(partner_ids=cls.anna.partner_id.ids)
        cls._activities()
        cls._warnings()
        cls._orders()

    @classmethod
    def _activities(cls):
        todo = cls.env.ref("mail.mail_activity_data_todo")
        call = cls.env.ref("mail.mail_activity_data_call")
        cls.alpha_todo, cls.buyer_todo, cls.beta_todo_xu, cls.done_call = (
            cls.env["mail.activity"]
            .with_context(mail_activity_quick_update=True)
            .create(
                [
                    cls._activity(cls.alpha, todo, cls.anna, "Send the catalogue"),
                    cls._activity(cls.buyer, todo, cls.anna, "Ask the buyer about May"),
                    cls._activity(cls.beta, todo, cls.xu, "Xu's own follow-up"),
                    cls._activity(cls.alpha, call, cls.anna, "Call the buyer"),
                ]
            )
        )
        cls.done_call.action_feedback(feedback="Discussed the spring order")

    @classmethod
    def _activity(cls, partner, kind, user, summary):
        return {
            "res_model_id": cls.env["ir.model"]._get_id("res.partner"),
            "res_id": partner.id,
            "activity_type_id": kind.id,
            "user_id": user.id,
            "summary": summary,
        }

    @classmethod
    def _warnings(cls):
        rule = cls.env["crm.customer.warning.rule"].create(
            {"name": "HO overdue rule", "metric": "overdue_days", "threshold": 30}
        )
        Warning = cls.env["crm.customer.warning"]
        cls.alpha_warning, cls.beta_resolved, cls.gamma_warning = Warning.create(
            [
                {
                    "rule_id": rule.id,
                    "partner_id": partner.id,
                    "value": 45,
                    "threshold": 30,
                    "message": f"{partner.name}: oldest overdue 45 days",
                    "user_id": cls.anna.id,
                }
                for partner in (cls.alpha, cls.beta, cls.gamma)
            ]
        )
        owned_writer(cls.beta_resolved).write({"state": "resolved"})
        owned_writer(cls.gamma_warning).write({"state": "acknowledged"})

    @classmethod
    def _orders(cls):
        product = cls.env["product.product"].create({"name": "HO valve", "list_price": 100})
        cls.quotation, cls.confirmed, cls.cancelled = cls.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "order_line": [Command.create({"product_id": product.id})],
                }
                for partner in (cls.buyer, cls.beta, cls.gamma)
            ]
        )
        cls.confirmed.action_confirm()
        cls.cancelled._action_cancel()

    def _wizard(self, context=None, **values):
        Handover = self.env["crm.customer.handover"].with_user(self.supervisor)
        form = Form(Handover.with_context(**(context or {})))
        for name, value in values.items():
            if name in ("to_user_ids", "partner_ids"):
                getattr(form, name).clear()
                for record in value:
                    getattr(form, name).add(record)
            else:
                setattr(form, name, value)
        return form.save()

    def _hand_over(self, **values):
        wizard = self._wizard(note="Anna leaves the company", **values)
        return wizard, wizard.action_handover()

    def _notes(self, partner):
        return partner.message_ids.filtered(lambda m: "Handed over" in (m.body or ""))


@tagged("post_install", "-at_install")
class TestHandover(HandoverCase):
    def test_public_names_hand_over_the_customers_given(self):
        """The wizard as the public data model names it: from, to, customers, note."""
        wizard = (
            self.env["crm.customer.handover"]
            .with_user(self.supervisor)
            .create(
                {
                    "from_user_id": self.anna.id,
                    "to_user_id": self.bo.id,
                    "partner_ids": [Command.set(self.beta.ids)],
                    "note": "Beta moves to Bo",
                }
            )
        )
        wizard.action_handover()
        self.assertEqual(self.beta.user_id, self.bo)
        self.assertEqual(self.alpha.user_id, self.anna, "only the customers given move")
        self.assertIn("Beta moves to Bo", str(self._notes(self.beta).body))

    def test_preview_counts_what_moves(self):
        wizard = self._wizard(from_user_id=self.anna, to_user_id=self.bo, note="Leaves")
        self.assertEqual(wizard.customer_count, 3)
        self.assertEqual(wizard.warning_count, 2, "the resolved warning stays")
        self.assertEqual(wizard.activity_count, 2, "Alpha's and its buyer's, not Xu's")
        self.assertEqual(wizard.order_count, 2, "the quotation and the uninvoiced order")
        self.assertEqual(wizard.allocation_text, "Bo Rep: 3 customers")

    def test_all_to_one_rep(self):
        wizard, action = self._hand_over(from_user_id=self.anna, to_user_id=self.bo)
        # salesperson and card owner, where they were Anna, and Xu's part kept
        self.assertEqual((self.alpha.user_id, self.alpha.card_owner_id), (self.bo, self.bo))
        self.assertEqual((self.beta.user_id, self.beta.card_owner_id), (self.bo, self.xu))
        self.assertEqual((self.gamma.user_id, self.gamma.card_owner_id), (self.xu, self.bo))
        self.assertEqual(self.buyer.user_id, self.bo)
        self.assertEqual(self.alpha_warning.user_id, self.bo)
        self.assertEqual(self.gamma_warning.user_id, self.bo)
        self.assertEqual(self.beta_resolved.user_id, self.anna, "a resolved warning stays")
        self.assertEqual((self.alpha_todo | self.buyer_todo).user_id, self.bo)
        self.assertEqual(self.beta_todo_xu.user_id, self.xu)
        followers = self.alpha.message_partner_ids
        self.assertIn(self.bo.partner_id, followers)
        self.assertNotIn(self.anna.partner_id, followers)
        self.assertIn(self.bo.partner_id, self.gamma.message_partner_ids)
        history = self.env["crm.customer.owner.history"].search(action["domain"])
        self.assertEqual(history.partner_id, self.alpha | self.beta | self.gamma)
        self.assertEqual(set(history.mapped("from_user_id")), {self.anna})
        self.assertEqual(set(history.mapped("to_user_id")), {self.bo})
        self.assertEqual(set(history.mapped("handed_over_by_id")), {self.supervisor})
        self.assertEqual(set(history.mapped("reason")), {"Anna leaves the company"})
        self.assertEqual(
            self.alpha.customer_owner_history_ids,
            history.filtered(lambda row: row.partner_id == self.alpha),
        )
        self.assertEqual(self.env["res.partner"].search_count(wizard._owned_domain(self.anna)), 0)

    def test_note_on_each_card(self):
        self._hand_over(from_user_id=self.anna, to_user_id=self.bo)
        note = self._notes(self.alpha)
        self.assertEqual(len(note), 1)
        body = str(note.body)
        self.assertEqual(note.author_id, self.supervisor.partner_id)
        self.assertIn("Handed over from Anna Rep to Bo Rep", body)
        self.assertIn("by Ho Supervisor", body)
        self.assertIn("Reason: Anna leaves the company", body)
        # the done call's message, its HTML stripped
        self.assertRegex(body, r"<li>[^<]* T: Call done [^<]*Call the buyer[^<]*spring order</li>")
        self.assertNotIn("&lt;", body, "the contact's note is plain text")
        self.assertIn("HO overdue rule (Warning): HO Alpha: oldest overdue 45 days", body)
        self.assertIn(f"{self.quotation.name} (Quotation)", body)
        beta = str(self._notes(self.beta).body)
        self.assertIn("No contact recorded.", beta)
        self.assertIn(f"{self.confirmed.name} (Sales Order)", beta)
        self.assertNotIn("HO overdue rule", beta, "a resolved warning is not open")
        self.assertNotIn(self.cancelled.name, str(self._notes(self.gamma).body))

    def test_spread_in_turn(self):
        self._hand_over(
            from_user_id=self.anna,
            distribution=handover_engine.ROUND_ROBIN,
            to_user_ids=self.chen | self.bo,
        )
        # customers by name, reps by name: Alpha to Bo, Beta to Chen, Gamma to Bo
        self.assertEqual(self.alpha.user_id, self.bo)
        self.assertEqual((self.beta.user_id, self.beta.card_owner_id), (self.chen, self.xu))
        self.assertEqual(self.gamma.card_owner_id, self.bo)
        self.assertEqual(self.buyer_todo.user_id, self.bo, "the contact follows its company")
        self.assertIn("Chen Rep", str(self._notes(self.beta).body))

    def test_spread_balanced(self):
        self.env["res.partner"].create(
            [
                {"name": f"Bo's own {n}", "is_company": True, "user_id": self.bo.id}
                for n in range(2)
            ]
        )
        self._hand_over(
            from_user_id=self.anna,
            distribution=handover_engine.BALANCED,
            to_user_ids=self.bo | self.chen,
        )
        # Chen has none, Bo two: Alpha and Beta to Chen, then a tie goes to Bo
        self.assertEqual(self.alpha.user_id, self.chen)
        self.assertEqual(self.beta.user_id, self.chen)
        self.assertEqual(self.gamma.card_owner_id, self.bo)

    def test_chosen_customers_from_the_list(self):
        context = {"active_model": "res.partner", "active_ids": self.beta.ids}
        wizard = self._wizard(context, to_user_id=self.chen, note="Territory change")
        self.assertEqual(wizard.scope, "chosen")
        self.assertEqual(wizard.from_user_id, self.anna, "Beta's salesperson")
        self.assertEqual(wizard.customer_count, 1)
        wizard.action_handover()
        self.assertEqual(self.beta.user_id, self.chen)
        self.assertEqual(self.alpha.user_id, self.anna)
        self.assertEqual(self.alpha_warning.user_id, self.anna)
        self.assertFalse(self._notes(self.alpha))

    def test_refuses_a_wrong_hand_over(self):
        foreign = self.env["res.partner"].create(
            {"name": "HO Xu only", "is_company": True, "user_id": self.xu.id}
        )
        wizard = self._wizard(
            from_user_id=self.anna,
            scope="chosen",
            partner_ids=self.alpha | foreign,
            to_user_id=self.bo,
            note="Mixed",
        )
        with self.assertRaisesRegex(UserError, "neither salesperson nor card owner of HO Xu"):
            wizard.action_handover()
        wizard.write({"scope": "all", "to_user_id": self.anna.id})
        with self.assertRaisesRegex(UserError, "own customers"):
            wizard.action_handover()
        self.assertEqual(self.alpha.user_id, self.anna)

    def test_customers_go_to_the_apps_reps_only(self):
        clerk = new_test_user(self.env, login="ho_clerk", groups="base.group_user")
        wizard = self._wizard(from_user_id=self.anna, to_user_id=clerk, note="To a clerk")
        with self.assertRaisesRegex(UserError, "active users of Customer Management only"):
            wizard.action_handover()
        self.assertEqual(self.alpha.user_id, self.anna)

    def test_note_leaves_out_what_the_new_rep_may_not_read(self):
        """A colleague's private meeting with the customer's buyer shows in the note as a
        meeting, without its title."""
        organiser = new_test_user(self.env, login="ho_lawyer", groups="base.group_user")
        start = fields.Datetime.now() - timedelta(days=2)
        self.env["calendar.event"].with_user(organiser).create(
            {
                "name": "PRIVATE lawyer talk",
                "privacy": "private",
                "start": start,
                "stop": start + timedelta(hours=1),
                "partner_ids": [Command.link(self.buyer.id)],
            }
        )
        self._hand_over(from_user_id=self.anna, to_user_id=self.bo)
        body = str(self._notes(self.alpha).body)
        self.assertIn(" M: ", body)
        self.assertNotIn("PRIVATE", body)

    def test_rep_cannot_hand_over(self):
        Handover = self.env["crm.customer.handover"].with_user(self.anna)
        values = {
            "from_user_id": self.xu.id,
            "to_user_id": self.anna.id,
            "note": "Grab Xu's customers",
        }
        with self.assertRaises(AccessError):
            Handover.create(values)
        wizard = self._wizard(from_user_id=self.xu, to_user_id=self.anna, note="x")
        with self.assertRaises(AccessError):
            wizard.with_user(self.anna).action_handover()
        self.assertEqual(self.gamma.user_id, self.xu)

    def test_owner_history_is_read_only(self):
        self._hand_over(from_user_id=self.anna, to_user_id=self.bo)
        History = self.env["crm.customer.owner.history"]
        self.assertEqual(len(History.with_user(self.bo).search([])), 3)
        self.assertFalse(History.with_user(self.anna).search([]), "no longer Anna's")
        self.assertEqual(
            History.with_user(self.xu).search([]).partner_id,
            self.beta | self.gamma,
            "Xu keeps Beta's card and sells to Gamma",
        )
        rows = History.with_user(self.supervisor).search([])
        for user in (self.bo, self.supervisor):
            with self.assertRaises(AccessError):
                rows.with_user(user).write({"reason": "rewritten"})
            with self.assertRaises(AccessError):
                rows.with_user(user).unlink()
            with self.assertRaises(AccessError):
                History.with_user(user).create(
                    {"partner_id": self.alpha.id, "reason": "forged", "to_user_id": user.id}
                )

    def test_owner_history_of_another_company_is_hidden(self):
        other = self.env["res.company"].create({"name": "HO Other Co."})
        self._hand_over(from_user_id=self.anna, to_user_id=self.bo)
        self.env["crm.customer.owner.history"].search([]).company_id = other
        self.assertFalse(
            self.env["crm.customer.owner.history"].with_user(self.supervisor).search([])
        )

    def test_archiving_a_rep_with_customers_points_to_the_hand_over(self):
        anna = self.anna.with_user(self.user_admin)
        for archive in (anna.action_archive, lambda: anna.write({"active": False})):
            with self.assertRaises(RedirectWarning) as caught:
                archive()
            message, action_id, button, context = caught.exception.args
            self.assertIn(
                "Anna Rep is still the salesperson or card owner of 3 customers", message
            )
            self.assertEqual(
                action_id, self.env.ref("crm_customer_mgmt.crm_customer_handover_action").id
            )
            self.assertEqual(button, "Hand Over Customers")
            self.assertEqual(context["default_from_user_id"], self.anna.id)
            self.assertTrue(self.anna.active)
        wizard = self._wizard(caught.exception.args[3], to_user_id=self.bo, note="Leaves")
        self.assertEqual(wizard.from_user_id, self.anna, "the action opens prefilled")
        wizard.action_handover()
        anna.action_archive()
        self.assertFalse(self.anna.active)

    def test_archiving_a_user_without_customers(self):
        self.chen.with_user(self.user_admin).action_archive()
        self.assertFalse(self.chen.active)


@tagged("post_install", "-at_install", "crm_customer_mgmt_tours")
class TestHandoverTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, login="tour_ho_sup", groups=SUPERVISOR, name="Tour Ho Supervisor")
        cls.leaver = new_test_user(cls.env, login="tour_ho_leaver", groups=REP, name="Tour Leaver")
        cls.taker = new_test_user(cls.env, login="tour_ho_taker", groups=REP, name="Tour Taker")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Tour Handover Trading", "is_company": True, "user_id": cls.leaver.id}
        )

    def test_supervisor_hands_over(self):
        self.start_tour(
            f"/odoo/customer-cards/{self.customer.id}",
            "crm_customer_handover_tour",
            login="tour_ho_sup",
        )
        self.assertEqual(self.customer.user_id, self.taker)
        self.assertTrue(
            self.customer.message_ids.filtered(lambda m: "Handed over" in (m.body or ""))
        )
