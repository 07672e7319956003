from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from ..engine import stages as stage_engine
from ..models import crm_customer_metrics_pass
from ..models import settings as settings_module
from ..models.settings import METRICS_CURSOR, get_setting
from ..models.tools import owned_writer
from .common import MetricsCase

TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestMetricsPass(MetricsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dev = cls.env.ref("crm_customer_mgmt.stage_development")
        cls.initial = cls.env.ref("crm_customer_mgmt.stage_initial")
        cls.stable = cls.env.ref("crm_customer_mgmt.stage_stable")
        cls.strategic = cls.env.ref("crm_customer_mgmt.stage_strategic")
        cls.interrupted = cls.env.ref("crm_customer_mgmt.stage_interrupted")
        cls.customer = cls._customer("Dongfang Supply Co.")

    def _wallet(self, partner, total, date_from=date(2026, 1, 1), date_to=date(2026, 12, 31)):
        return self.env["crm.customer.wallet"].create(
            {
                "partner_id": partner.id,
                "total_spend": total,
                "date_from": date_from,
                "date_to": date_to,
            }
        )

    def _pass(self, partners=None, today=TODAY):
        return super()._pass(partners or self.customer, today)

    def _stages(self, partner):
        return partner.customer_stage_history_ids.sorted("id").mapped("stage_to_id.name")

    # Share of wallet --------------------------------------------------------------------

    def test_share_from_invoices_and_refunds(self):
        wallet = self._wallet(self.customer, 2000)
        self._invoice(self.customer, date(2026, 3, 1), 1000)
        self._invoice(self.customer, date(2026, 4, 1), 400, move_type="out_refund")
        self._invoice(self.customer, date(2025, 12, 31), 999)  # outside the period
        self.assertEqual(wallet.our_sales, 600)
        self.assertEqual(wallet.share_of_wallet, 30)
        self._pass()
        self.assertEqual(self.customer.share_of_wallet, 30)

    def test_foreign_currency_counts_in_company_currency(self):
        other = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        wallet = self._wallet(self.customer, 1000)
        self._invoice(self.customer, date(2026, 2, 1), 500, currency=other)
        self.assertEqual(wallet.our_sales, 250)
        self.assertEqual(wallet.share_of_wallet, 25)

    def test_latest_period_covering_today_or_latest_ended(self):
        self._wallet(self.customer, 1000, date(2025, 1, 1), date(2025, 12, 31))
        self._invoice(self.customer, date(2025, 6, 1), 800)
        self.assertEqual(
            self.env["crm.customer.wallet"]._current_shares(self.customer.ids, TODAY),
            {self.customer.id: 80},
        )
        self._wallet(self.customer, 1000, date(2026, 1, 1), date(2026, 12, 31))
        self.assertEqual(
            self.env["crm.customer.wallet"]._current_shares(self.customer.ids, TODAY),
            {self.customer.id: 0},
        )

    def test_wallet_refusals(self):
        self._wallet(self.customer, 1000)
        cases = [
            ({"date_from": date(2026, 6, 1), "date_to": date(2027, 5, 31)}, "overlaps"),
            (
                {"date_from": date(2027, 1, 1), "date_to": date(2027, 12, 31), "total_spend": 0},
                "above zero",
            ),
            (
                {"date_from": date(2027, 1, 1), "date_to": date(2027, 12, 31), "total_spend": -5},
                "above zero",
            ),
            ({"date_from": date(2027, 6, 1), "date_to": date(2027, 1, 1)}, "before it starts"),
        ]
        for values, message in cases:
            with self.subTest(message=message), self.assertRaises(ValidationError) as caught:
                self.env["crm.customer.wallet"].create(
                    {"partner_id": self.customer.id, "total_spend": 100, **values}
                )
            self.assertIn(message, str(caught.exception))
        self.assertEqual(len(self.customer.customer_wallet_ids), 1)

    # Stages -----------------------------------------------------------------------------

    def test_no_skipping_over_three_passes_then_confirmation(self):
        self._wallet(self.customer, 1000)
        self._invoice(self.customer, date(2026, 5, 1), 1000)
        for day in range(4):
            self._pass(today=TODAY + timedelta(days=day))
        self.assertEqual(
            self._stages(self.customer),
            ["Development", "Initial cooperation", "Stable cooperation"],
        )
        self.assertEqual(self.customer.customer_stage_id, self.stable)
        self.assertEqual(self.customer.stage_proposed_id, self.strategic, "proposed, not entered")
        history = self.customer.customer_stage_history_ids.sorted("id")
        self.assertEqual(history.mapped("change"), ["entered", "advanced", "advanced"])
        self.assertEqual(history[-1].duration_days, 1)
        self.assertIn("climbs one stage per pass", history[-1].reason)

        rep = new_test_user(
            self.env, login="rep_confirm", groups="crm_customer_mgmt.group_customer_mgmt_user"
        )
        with self.assertRaises(AccessError):
            self.customer.with_user(rep).action_confirm_stage()
        manager = new_test_user(
            self.env, login="mgr_confirm", groups="crm_customer_mgmt.group_customer_mgmt_manager"
        )
        self.customer.with_user(manager).action_confirm_stage()
        self.assertEqual(self.customer.customer_stage_id, self.strategic)
        self.assertFalse(self.customer.stage_proposed_id)
        self.assertEqual(
            self.customer.customer_stage_history_ids.sorted("id")[-1].change, "confirmed"
        )

    def test_each_band(self):
        for share, expected in (
            (10, self.dev),
            (30, self.initial),
            (49.99, self.initial),
            (50, self.stable),
        ):
            with self.subTest(share=share):
                customer = self._customer(f"Band {share}")
                self._wallet(customer, 10000)
                self._invoice(customer, date(2026, 5, 1), share * 100)
                owned_writer(customer).write(
                    {"customer_stage_id": expected.id, "stage_date": TODAY}
                )
                self._pass(customer)
                self.assertEqual(customer.customer_stage_id, expected)
                self.assertFalse(customer.customer_stage_history_ids, "a stage that fits stays")

    def test_fall_and_recovery(self):
        self._wallet(self.customer, 1000)
        self._invoice(self.customer, date(2026, 2, 1), 100)
        owned_writer(self.customer).write(
            {"customer_stage_id": self.stable.id, "stage_date": date(2026, 1, 1)}
        )
        self._pass()
        self.assertEqual(self.customer.customer_stage_id, self.dev, "straight down to the band")
        fall = self.customer.customer_stage_history_ids
        self.assertEqual(
            (fall.change, fall.stage_from_id, fall.duration_days), ("fell", self.stable, 180)
        )
        self.assertIn("fell to 10.0%", fall.reason)
        self.assertFalse(
            self.customer.message_ids.filtered(lambda m: "10.0%" in (m.body or "")),
            "not in the chatter every employee reads",
        )
        self._invoice(self.customer, date(2026, 6, 1), 500)
        self._pass(today=TODAY + timedelta(days=1))
        self._pass(today=TODAY + timedelta(days=2))
        self.assertEqual(self.customer.customer_stage_id, self.stable)

    def test_interruption_and_return_to_development(self):
        self._invoice(self.customer, date(2025, 12, 1), 500, product=self.products[1])
        owned_writer(self.customer).write(
            {"customer_stage_id": self.stable.id, "stage_date": date(2025, 6, 1)}
        )
        self._pass()  # 211 days without business
        self.assertEqual(self.customer.customer_stage_id, self.interrupted)
        with freeze_time(TODAY):
            self.assertEqual(self.customer.days_since_last_order, 211)
        self.assertIn(
            "No invoice or confirmed order for 211 days",
            self.customer.customer_stage_history_ids[0].reason,
        )
        activity = self.customer.activity_ids.filtered(
            lambda a: "stopped buying" in (a.summary or "")
        )
        self.assertTrue(activity, "the card owner is asked for a churn reason")
        reason = self.env.ref("crm_customer_mgmt.churn_reason_price")
        self.customer.churn_reason_id = reason
        self.assertEqual(self.customer.customer_stage_history_ids.churn_reason_id, reason)

        self._invoice(self.customer, date(2026, 7, 1), 300)
        self._pass(today=date(2026, 7, 2))
        self.assertEqual(self.customer.customer_stage_id, self.dev)
        self.assertEqual(
            self.customer.customer_stage_history_ids.sorted("id")[-1].change, "returned"
        )

    def test_interruption_from_an_order_counts_as_activity(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.products[0].id, "product_uom_qty": 1})
                ],
            }
        )
        order.action_confirm()
        order.date_order = "2026-06-20 10:00:00"
        self._pass()
        self.assertEqual(self.customer.last_order_date, date(2026, 6, 20))
        self.assertEqual(self.customer.customer_stage_id, self.dev)

    def test_last_sale_order_date_counts_confirmed_orders_only(self):
        buyer = self.env["res.partner"].create({"name": "Buyer", "parent_id": self.customer.id})
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create({"product_id": self.products[0].id, "product_uom_qty": 1})
                    ],
                }
                for partner in (buyer, self.customer)
            ]
        )
        orders[0].action_confirm()  # the contact's order is the customer's
        orders[0].date_order = "2026-06-10 10:00:00"
        orders[1].date_order = "2026-06-25 10:00:00"  # a quotation is no order
        self._invoice(self.customer, date(2026, 6, 20), 100)
        self._pass()
        metrics = self.Metrics.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            (metrics.last_sale_order_date, metrics.last_invoice_date),
            (date(2026, 6, 10), date(2026, 6, 20)),
        )
        self.assertEqual(self.customer.last_order_date, date(2026, 6, 20), "invoice or order")

        orders[1].action_confirm()
        orders[1].date_order = "2026-06-25 10:00:00"
        self._pass()
        self.assertEqual(metrics.last_sale_order_date, date(2026, 6, 25))
        self.assertEqual(self.customer.last_order_date, date(2026, 6, 25))

    def test_entering_a_stage_schedules_its_playbook(self):
        self._wallet(self.customer, 1000)
        self._invoice(self.customer, date(2026, 5, 1), 400)
        owned_writer(self.customer).write({"customer_stage_id": self.dev.id, "stage_date": TODAY})
        self._pass()
        self.assertEqual(self.customer.customer_stage_id, self.initial)
        summaries = self.customer.activity_ids.mapped("summary")
        self.assertIn("Analyse the main supplier's weak points", summaries)

    def test_unowned_customers_playbook_goes_to_the_settings_user(self):
        self.customer.write({"user_id": False, "card_owner_id": False})
        admin = self.env.ref("base.user_admin")
        self.assertNotEqual(self.env.user, admin, "the default must not be the current user")
        self._wallet(self.customer, 1000)
        self._invoice(self.customer, date(2026, 5, 1), 400)
        owned_writer(self.customer).write({"customer_stage_id": self.dev.id, "stage_date": TODAY})
        self._pass()
        self.assertEqual(self.customer.customer_stage_id, self.initial)
        self.assertEqual(self.customer.activity_ids.user_id, admin, "the administrator by default")
        notices = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        self.assertNotIn("user_notification", notices.mapped("message_type"), "no mail each")

        supervisor = new_test_user(
            self.env, login="unowned_sup", groups="crm_customer_mgmt.group_customer_mgmt_manager"
        )
        self.env["res.config.settings"].create({"unowned_responsible_id": supervisor.id}).execute()
        before = self.customer.activity_ids
        self._invoice(self.customer, date(2026, 6, 1), 200)  # 60%: stable
        self._pass(today=TODAY + timedelta(days=1))
        self.assertEqual(self.customer.customer_stage_id, self.stable)
        added = self.customer.activity_ids - before
        self.assertTrue(added)
        self.assertEqual(added.user_id, supervisor)

        portal = new_test_user(self.env, login="unowned_portal", groups="base.group_portal")
        with self.assertRaisesRegex(ValidationError, "not an internal user"):
            self.env["res.config.settings"].create({"unowned_responsible_id": portal.id})
        supervisor.active = False  # an archived choice falls back to whoever acts
        self.assertEqual(self.env["res.partner"]._unowned_responsible(), self.env.user)

    def test_manual_stage_holds_until_facts_change(self):
        manager = new_test_user(
            self.env, login="mgr_manual", groups="crm_customer_mgmt.group_customer_mgmt_manager"
        )
        self._wallet(self.customer, 1000)
        self._invoice(self.customer, date(2026, 5, 1), 350)
        owned_writer(self.customer).write(
            {"customer_stage_id": self.initial.id, "stage_date": TODAY}
        )
        wizard = (
            self.env["crm.customer.stage.wizard"]
            .with_user(manager)
            .with_context(active_model="res.partner", active_ids=self.customer.ids)
            .create({"stage_id": self.stable.id, "reason": "Signed a framework contract"})
        )
        with freeze_time(TODAY):
            wizard.action_apply()
        self.assertEqual(self.customer.customer_stage_id, self.stable)
        self.assertIn(
            "Signed a framework contract", self.customer.customer_stage_history_ids.reason
        )
        self._pass()
        self.assertEqual(
            self.customer.customer_stage_id, self.stable, "the pass respects the manager"
        )
        self._invoice(self.customer, date(2026, 6, 1), 2000, move_type="out_refund")
        self._invoice(self.customer, date(2026, 6, 1), 1700)
        self._pass(today=TODAY + timedelta(days=1))  # share now 5%: the facts changed
        self.assertEqual(self.customer.customer_stage_id, self.dev)

    def test_interrupted_by_hand_needs_a_churn_reason(self):
        with self.assertRaises(ValidationError):
            self.env["crm.customer.stage.wizard"].create(
                {
                    "partner_ids": self.customer.ids,
                    "stage_id": self.interrupted.id,
                    "reason": "Gone",
                }
            )

    def test_settings_refusals(self):
        Settings = self.env["res.config.settings"]
        for values, message in (
            ({"metrics_period_days": 3}, "between 7 and 366, not 3"),
            ({"interrupt_after_days": 0}, "between 1 and 3650, not 0"),
            ({"abc_a_share": 96, "abc_b_share": 95}, "0 < A < B"),
            ({"tier_vip_share": 0}, "positive shares"),
            ({"tier_ordinary_share": 95}, "positive shares"),
        ):
            with self.subTest(message=message), self.assertRaises(ValidationError) as caught:
                Settings.create(values)
            self.assertIn(message, str(caught.exception))
        settings = Settings.create({"metrics_period_days": 30, "abc_a_share": 70})
        settings.execute()
        self.assertEqual(get_setting(self.env, settings_module.PERIOD_DAYS), 30)
        self.assertEqual(get_setting(self.env, settings_module.ABC_A), 70.0)

    def test_stage_band_refusals(self):
        for values, message in (
            ({"share_max": 35}, "gap"),
            ({"share_max": 60}, "overlap"),
        ):
            with self.subTest(message=message), self.assertRaises(ValidationError) as caught:
                self.initial.write(values)
            self.assertIn(message, str(caught.exception))
        with self.assertRaises(ValidationError):
            self.dev.share_min = 5
        with self.assertRaises(ValidationError):
            self.env["crm.customer.stage"].create({"name": "Lost", "is_interrupted": True})

    # The pass as a whole ----------------------------------------------------------------

    def test_rerun_changes_nothing(self):
        self._wallet(self.customer, 1000)
        self._invoice(self.customer, date(2026, 5, 1), 100)
        self._pass()
        self.env.flush_all()
        metrics = self.Metrics.search([("partner_id", "=", self.customer.id)])
        before = (
            metrics.write_date,
            self.customer.write_date,
            len(self.customer.customer_stage_history_ids),
            len(self.customer.message_ids),
        )
        self._pass()
        self.env.flush_all()
        metrics.invalidate_recordset()
        after = (
            metrics.write_date,
            self.customer.write_date,
            len(self.customer.customer_stage_history_ids),
            len(self.customer.message_ids),
        )
        self.assertEqual(before, after)

    def test_measures_and_dropped_product_lines(self):
        for product in self.products:
            self._invoice(self.customer, date(2026, 2, 15), 100, product=product)
        self._invoice(self.customer, date(2026, 5, 15), 300, product=self.products[0])
        self._invoice(self.customer, date(2026, 6, 15), 200, product=self.products[1])
        self._pass()
        metrics = self.Metrics.search([("partner_id", "=", self.customer.id)])
        self.assertEqual((metrics.invoice_count, metrics.invoice_count_prev), (2, 5))
        self.assertEqual((metrics.sales, metrics.sales_prev, metrics.sales_12m), (500, 500, 1000))
        self.assertEqual(metrics.last_invoice_date, date(2026, 6, 15))
        self.assertEqual(
            sorted(self.customer.dropped_category_ids.mapped("name")), ["Pumps", "Seals", "Tools"]
        )
        self.assertEqual((self.customer.period_sales, self.customer.period_sales_prev), (500, 500))
        self.assertEqual(self.customer.period_invoice_count_prev, 5)

    def test_one_broken_customer_does_not_stop_the_others(self):
        broken, healthy = self._customer("Broken Co."), self._customer("Healthy Co.")
        for partner in (broken, healthy):
            self._invoice(partner, date(2026, 5, 1), 100)
        self._wallet(broken, 1000)  # its share, 10%, is what breaks the engine below
        original = stage_engine.decide

        def decide(stages, facts, interrupt_days):
            if facts.share == 10.0:
                raise ZeroDivisionError("bad data")
            return original(stages, facts, interrupt_days)

        with (
            patch.object(stage_engine, "decide", decide),
            mute_logger("odoo.addons.crm_customer_mgmt.models.res_partner_relationship"),
        ):
            self._pass(broken | healthy)
        self.assertEqual(healthy.customer_stage_id, self.dev)
        self.assertFalse(broken.customer_stage_id)
        self.assertEqual(broken.last_order_date, date(2026, 5, 1), "its measures still landed")

    def test_stage_changes_in_bulk_skip_only_the_broken_customer(self):
        broken, healthy = self._customer("Broken Co."), self._customer("Healthy Co.")
        for partner in (broken, healthy):
            self._wallet(partner, 1000)
            self._invoice(partner, date(2026, 5, 1), 400)
            owned_writer(partner).write({"customer_stage_id": self.dev.id, "stage_date": TODAY})
        Partner = type(self.env["res.partner"])
        original = Partner._schedule_stage_activities

        def schedule(partners):
            if broken in partners:
                raise ZeroDivisionError("bad playbook")
            return original(partners)

        with (
            patch.object(Partner, "_schedule_stage_activities", schedule),
            mute_logger("odoo.addons.crm_customer_mgmt.models.res_partner_stage"),
        ):
            self._pass(broken | healthy)
        self.assertEqual(healthy.customer_stage_id, self.initial)
        self.assertEqual(self._stages(healthy), ["Initial cooperation"])
        self.assertEqual(healthy.customer_stage_history_ids.stage_from_id, self.dev)
        self.assertEqual(broken.customer_stage_id, self.dev, "its change was rolled back")
        self.assertFalse(broken.customer_stage_history_ids)
        self.assertEqual(broken.share_of_wallet, 40.0, "its measures still landed")

    def test_the_bulk_writer_takes_each_customers_own_values(self):
        other = self._customer("Xibei Trading Co.")
        Partner = self.env["res.partner"]
        Partner._write_changed(
            {
                self.customer.id: {"share_of_wallet": 12.5, "abc_class": "A"},
                other.id: {"share_of_wallet": 40.0, "abc_class": "C"},
            }
        )
        self.assertEqual((self.customer.share_of_wallet, self.customer.abc_class), (12.5, "A"))
        self.assertEqual((other.share_of_wallet, other.abc_class), (40.0, "C"))
        with self.assertRaises(ValueError):  # a column left out would be written empty
            Partner._write_changed(
                {self.customer.id: {"share_of_wallet": 1.0}, other.id: {"abc_class": "B"}}
            )
        self.assertEqual(self.customer.share_of_wallet, 12.5)

    def test_abc_and_tiers_on_a_known_distribution(self):
        revenues = (5000, 3000, 1000, 600, 400)
        customers = self.env["res.partner"]
        for position, amount in enumerate(revenues):
            customer = self._customer(f"Ranked {position}")
            self._invoice(customer, date(2026, 3, 1), amount)
            customers |= customer
        self._pass(customers)
        with freeze_time(TODAY):
            self.Metrics._pass_apply(customers, TODAY, self.Metrics._ranks())
        customers.invalidate_recordset()
        self.assertEqual(customers.mapped("abc_class"), ["A", "A", "B", "B", "C"])
        # pyramid cut-offs ceil(5 * 1%), ceil(5 * 5%), ceil(5 * 20%) are all 1
        self.assertEqual(
            customers.mapped("value_tier"), ["vip", "small", "small", "small", "small"]
        )

    def test_queries_do_not_grow_with_customers(self):
        def queries_for(count):
            partners = self.env["res.partner"].create(
                [{"name": f"Q{count}-{n}", "is_company": True} for n in range(count)]
            )
            for partner in partners:
                self._invoice(partner, date(2026, 5, 1), 100)
            self._pass(partners)  # first placement
            self.env.flush_all()
            start = self.env.cr.sql_log_count
            self._pass(partners, today=TODAY + timedelta(days=1))
            return self.env.cr.sql_log_count - start

        self.assertEqual(queries_for(3), queries_for(12))

    def test_cron_commits_per_batch_and_resumes(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Batch {n}", "is_company": True, "customer_rank": 1} for n in range(5)]
        )
        self.env["ir.config_parameter"].set_param(METRICS_CURSOR.key_in(self.env), "")
        calls = []

        def progress(processed=0, remaining=None, deactivate=False):
            calls.append((processed, remaining))
            return 0 if len(calls) == 3 else 100  # time is up after the first batch

        Cron = type(self.env["ir.cron"])
        company = self.env.company
        with (
            freeze_time(TODAY),
            patch.object(crm_customer_metrics_pass, "BATCH_SIZE", 2),
            patch.object(type(self.Metrics), "_pass_companies", lambda model: company),
            patch.object(Cron, "_commit_progress", side_effect=progress, autospec=False),
        ):
            todo = self.Metrics._pass_todo(TODAY).todo
            self.Metrics._cron_refresh()
            stopped_at = self.env["ir.config_parameter"].get_param(METRICS_CURSOR.key_in(self.env))
            self.assertFalse(customers.filtered("customer_stage_id"), "not reached yet")
            self.Metrics._cron_refresh()
        self.assertEqual(stopped_at, f"{TODAY}:{todo[1]}", "the first run stopped after a batch")
        self.assertEqual(customers.filtered("customer_stage_id"), customers)
        cursor = self.env["ir.config_parameter"].get_param(METRICS_CURSOR.key_in(self.env))
        self.assertEqual(cursor, f"{TODAY}:done")
