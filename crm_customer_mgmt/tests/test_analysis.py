import json
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..models import crm_customer_metrics_sources, settings
from ..models.settings import get_setting
from ..models.tools import owned_writer
from .common import REP, MetricsCase

TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestCustomerAnalysis(MetricsCase):
    """Margin, profit, ranks, the cost customer, lifetime value and segments, measured by
    the pass on real orders and invoices with known costs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.products[0]
        cls.product.standard_price = 6.0  # list price 10
        cls.interrupted = cls.env.ref("crm_customer_mgmt.stage_interrupted")
        cls.customer = cls._customer("Huaxin Trading Co.")
        cls.env["ir.config_parameter"].sudo().set_param("crm_customer_mgmt.clv_discount_rate", 10)
        cls.env["ir.config_parameter"].sudo().set_param("crm_customer_mgmt.clv_horizon_years", 3)

    def _order_invoice(self, partner, when, quantity, price, cost, invoiced):
        """An order of ``quantity`` at ``price`` whose line keeps ``cost`` (sale_margin),
        ``invoiced`` of it invoiced and posted on ``when``."""
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": quantity,
                            "price_unit": price,
                            "purchase_price": cost,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.write({"invoice_date": when, "date": when})
        invoice.invoice_line_ids.quantity = invoiced
        invoice.action_post()
        return invoice

    def _run(self, partners, today=TODAY, company=None):
        """The nightly pass over ``partners``: measure, rank the company, write."""
        company = company or self.env.company
        Metrics, partners = self.Metrics.with_company(company), partners.with_company(company)
        with freeze_time(today):
            Metrics._measure(partners.ids, today)
            Metrics._pass_apply(partners, today, Metrics._ranks())
        partners.invalidate_recordset()

    def _metrics(self, partner):
        return self.Metrics._measure_values(partner.ids)[partner.id]

    # Margin ---------------------------------------------------------------------------------

    def test_margin_from_the_order_cost_of_the_quantity_invoiced(self):
        # 4 of 10 invoiced at 20, the order line's cost 12 (not the product's 6)
        self._order_invoice(self.customer, date(2026, 5, 10), 10, 20.0, 12.0, 4)
        self._run(self.customer)
        measured = self._metrics(self.customer)
        self.assertEqual(measured["sales"], 80.0)
        self.assertEqual(measured["margin"], 80.0 - 4 * 12.0)
        self.assertEqual(self.customer.customer_margin, 32.0)

    def _euro_invoice(self, lines):
        """An order in euros (2 to the company's unit) of ``lines`` (quantity, price), each
        keeping a cost of 30 euros, invoiced whole and posted on 10 May."""
        euro = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": euro.id})
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "pricelist_id": pricelist.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": quantity,
                            "price_unit": price,
                            "purchase_price": 30.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for quantity, price in lines
                ],
            }
        )
        order.action_confirm()
        invoice = order._create_invoices()
        invoice.write({"invoice_date": date(2026, 5, 10), "date": date(2026, 5, 10)})
        invoice.action_post()
        return euro, invoice

    def test_order_cost_in_another_currency_counts_at_the_invoice_rate(self):
        euro, invoice = self._euro_invoice([(5, 40.0)])
        self.assertEqual(invoice.currency_id, euro)
        self._run(self.customer)
        # EUR 200 of sales and EUR 150 of cost, at 2 EUR to the company's unit
        self.assertEqual(self._metrics(self.customer)["sales"], 100.0)
        self.assertEqual(self.customer.customer_margin, 25.0)

    def test_margin_from_the_product_cost_without_an_order_and_refunds_lower_it(self):
        self._invoice(self.customer, date(2026, 5, 1), 10.0)  # one unit, product cost 6
        self._invoice(self.customer, date(2026, 5, 20), 10.0, move_type="out_refund")
        self._invoice(self.customer, date(2025, 3, 1), 50.0)  # before the 12 months
        self._run(self.customer)
        measured = self._metrics(self.customer)
        self.assertEqual(measured["margin_12m"], (10.0 - 6.0) - (10.0 - 6.0))
        self.assertEqual(measured["margin_total"], 50.0 - 6.0)
        self.assertEqual(self.customer.customer_margin, 0.0)

    def test_order_costs_read_whole_or_per_line_give_the_same_margins(self):
        """A pass over many customers reads the order costs whole, a Refresh per line."""
        self._order_invoice(self.customer, date(2026, 5, 10), 10, 20.0, 12.0, 4)
        self._invoice(self.customer, date(2026, 5, 11), 10.0)
        self._invoice(self.customer, date(2026, 5, 12), 10.0, move_type="out_refund")
        self._run(self.customer)
        per_line = self._metrics(self.customer)
        self.assertEqual(per_line["margin"], 80.0 - 48.0)
        with patch.object(crm_customer_metrics_sources, "MANY_CUSTOMERS", 1):
            window = self.Metrics._window(self.customer.ids, TODAY)
            self.assertIn("DISTINCT ON", self.Metrics._order_costs(window).code)
            self.Metrics._measure(self.customer.ids, TODAY)
        self.assertEqual(self._metrics(self.customer), per_line)

    def test_product_cost_counts_in_the_product_unit(self):
        dozen = self.env.ref("uom.product_uom_dozen")
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": date(2026, 5, 1),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_id": dozen.id,
                            "quantity": 2,
                            "price_unit": 150.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        self._run(self.customer)
        self.assertAlmostEqual(self._metrics(self.customer)["margin"], 300.0 - 24 * 6.0)

    def test_a_down_payment_brings_no_margin_until_the_goods_are_invoiced(self):
        # 10 at 100 whose line costs 60: 30 % paid down in the previous period
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "product_uom_qty": 10,
                            "price_unit": 100.0,
                            "purchase_price": 60.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        order.action_confirm()
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create({"advance_payment_method": "percentage", "amount": 30}).create_invoices()
        down = order.invoice_ids
        down.write({"invoice_date": date(2026, 3, 15), "date": date(2026, 3, 15)})
        down.action_post()
        self.assertTrue(down.invoice_line_ids.is_downpayment)
        self._run(self.customer, date(2026, 3, 31))
        measured = self._metrics(self.customer)
        self.assertEqual((measured["sales"], measured["margin"]), (300.0, 0.0))
        final = order._create_invoices(final=True)
        final.write({"invoice_date": date(2026, 5, 10), "date": date(2026, 5, 10)})
        final.action_post()
        self._run(self.customer)
        measured = self._metrics(self.customer)
        # the final invoice: 1,000 of goods costing 600, less the 300 paid down
        self.assertEqual((measured["sales_prev"], measured["margin_prev"]), (300.0, 0.0))
        self.assertEqual((measured["sales"], measured["margin"]), (700.0, 400.0))
        self.assertEqual(self.customer.customer_margin, 400.0)

    def test_an_order_cost_at_no_price_counts_at_the_invoice_rate(self):
        self._euro_invoice([(5, 40.0), (2, 0.0)])  # two given away
        self._run(self.customer)
        # EUR 200 of sales, EUR 150 + 60 of cost, at 2 EUR to the company's unit
        self.assertEqual(self._metrics(self.customer)["sales"], 100.0)
        self.assertEqual(self.customer.customer_margin, -5.0)

    def _cost_to_serve(self, partner, when, amount):
        """``amount`` booked on an expense account against ``partner`` on ``when``."""
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": when,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.company_data["default_account_expense"].id,
                            "debit": amount,
                            "partner_id": partner.id,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.company_data["default_account_revenue"].id,
                            "credit": amount,
                        }
                    ),
                ],
            }
        )
        entry.action_post()

    def test_profit_is_margin_less_the_cost_to_serve(self):
        self._invoice(self.customer, date(2026, 5, 1), 100.0)  # margin 94
        self._cost_to_serve(self.customer, date(2026, 5, 2), 130.0)
        self._run(self.customer)
        self.assertEqual(self.customer.customer_margin, 94.0)
        self.assertEqual(self.customer.customer_profit, -36.0)

    def test_what_the_invoices_book_on_expense_accounts_is_no_cost_to_serve(self):
        """Perpetual valuation books the cost of the goods sold on the invoice itself, on an
        expense account and against the customer: the margin holds it already."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": date(2026, 5, 1),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        stock = self.company_data["default_account_assets"]
        expense = self.company_data["default_account_expense"]
        invoice.write(
            {
                "line_ids": [
                    Command.create(
                        {
                            "display_type": "cogs",
                            "account_id": account.id,
                            "partner_id": self.customer.id,
                            "product_id": self.product.id,
                            "quantity": 1,
                            "price_unit": 6.0 * sign,
                            "balance": 6.0 * sign,
                        }
                    )
                    for account, sign in ((expense, 1), (stock, -1))
                ]
            }
        )
        invoice.action_post()
        self.assertEqual(
            invoice.line_ids.filtered(lambda line: line.display_type == "cogs").account_id,
            stock | expense,
        )
        self._run(self.customer)
        self.assertEqual(self._metrics(self.customer)["cost_to_serve_12m"], 0.0)
        self.assertEqual(
            (self.customer.customer_margin, self.customer.customer_profit), (94.0, 94.0)
        )

    # Ranks and the cost customer ------------------------------------------------------------

    def _three_customers(self):
        """Big revenue sold near cost, middling revenue at a good margin, small revenue."""
        big, good, small = self.customer, self._customer("Ruifeng Co."), self._customer("Xiao Co.")
        self._order_invoice(big, date(2026, 5, 1), 100, 10.0, 9.9, 100)  # 1,000, margin 10
        self._order_invoice(good, date(2026, 5, 1), 40, 10.0, 4.0, 40)  # 400, margin 240
        self._order_invoice(small, date(2026, 5, 1), 5, 10.0, 2.0, 5)  # 50, margin 40
        return big | good | small

    def test_revenue_rank_beside_profit_rank_and_the_cost_customer(self):
        customers = self._three_customers()
        self._run(customers)
        self.assertEqual(customers.mapped("revenue_rank"), [1, 2, 3])
        self.assertEqual(customers.mapped("profit_rank"), [3, 1, 2])
        self.assertEqual(customers.mapped("is_cost_customer"), [True, False, False])
        self.assertEqual(customers[0].abc_class, "A", "ranked by revenue by default")

    def test_abc_and_pyramid_can_rank_by_profit(self):
        customers = self._three_customers()
        self.env["ir.config_parameter"].sudo().set_param("crm_customer_mgmt.rank_basis", "profit")
        self._run(customers)
        self.assertEqual(customers.mapped("abc_class"), ["C", "A", "B"])
        self.assertEqual(customers[1].value_tier, "vip")

    def test_a_bad_rank_basis_is_refused_with_a_clear_error(self):
        with self.assertRaisesRegex(Exception, "one of: revenue, margin, profit"):
            self.env["ir.config_parameter"].sudo().set_param(
                "crm_customer_mgmt.rank_basis", "volume"
            )

    def test_lifetime_value_settings_out_of_range_are_refused(self):
        Params = self.env["ir.config_parameter"].sudo()
        for key, value, expected in (
            (settings.CLV_DISCOUNT.key, "-1", "a number from 0 to 100"),
            (settings.CLV_DISCOUNT.key, "nan", "a number from 0 to 100"),
            (settings.CLV_HORIZON.key, "0", "a whole number from 1 to 50"),
            (settings.CLV_HORIZON.key, "2.5", "a whole number from 1 to 50"),
            (settings.RANK_BASIS.key, "Margin", "one of: revenue, margin, profit"),
        ):
            with (
                self.subTest(key=key, value=value),
                self.assertRaisesRegex(ValidationError, expected),
            ):
                Params.set_param(key, value)
        for values, expected in (
            ({"clv_horizon_years": 0}, "between 1 and 50, not 0"),
            ({"clv_discount_rate": 150.0}, "between 0 and 100, not 150.0"),
        ):
            with self.subTest(values=values), self.assertRaisesRegex(ValidationError, expected):
                self.env["res.config.settings"].create(values)

    def test_settings_open_with_the_rank_basis_in_use_when_a_bad_one_is_stored(self):
        self.env.execute_query(
            SQL(
                "INSERT INTO ir_config_parameter (key, value) VALUES (%s, 'volume')",
                settings.RANK_BASIS.key,
            )
        )
        self.env.registry.clear_cache("stable")
        with (
            patch.object(settings, "_warned", set()),
            self.assertLogs("odoo.addons.crm_customer_mgmt.models.settings", "WARNING"),
        ):
            form = self.env["res.config.settings"].create({})
            self.assertEqual(form.rank_basis, "revenue", "the basis the pass ranks by")
            form.execute()
        self.assertEqual(get_setting(self.env, settings.RANK_BASIS), "revenue")

    def test_pareto_shows_revenue_and_profit_concentration(self):
        self._run(self._three_customers())
        rows = self.env["crm.customer.pareto.report"].search(
            [("company_id", "=", self.env.company.id)]
        )
        shares = {(row.basis, row.position): round(row.cumulative_share, 2) for row in rows}
        # revenue 1,000 / 400 / 50 of 1,450; profit 240 / 40 / 10 of 290
        self.assertEqual(shares[("revenue", 34)], round(100 * 1000 / 1450, 2))
        self.assertEqual(shares[("revenue", 67)], round(100 * 1400 / 1450, 2))
        self.assertEqual(shares[("profit", 34)], round(100 * 240 / 290, 2))
        self.assertEqual(shares[("profit", 100)], 100.0)

    def _pareto_shares(self, company):
        """(basis, position) -> the cumulative share, False where there is none."""
        rows = self.env["crm.customer.pareto.report"]._read_group(
            [("company_id", "=", company.id)], ["basis", "position"], ["cumulative_share:max"]
        )
        return {(basis, position): share for basis, position, share in rows}

    def test_pareto_of_a_loss_shows_no_shares(self):
        losing = self._customer("Losing Co.")
        self._invoice(self.customer, date(2026, 5, 1), 100.0)  # profit 94
        self._invoice(losing, date(2026, 5, 1), 50.0)  # margin 44, profit 44 - 300
        self._cost_to_serve(losing, date(2026, 5, 2), 300.0)
        self._run(self.customer | losing)
        shares = self._pareto_shares(self.env.company)
        # revenue 100 / 50 of 150; profit 94 / -256: a total loss of 162, of which no share
        self.assertEqual(round(shares[("revenue", 50)], 2), round(100 * 100 / 150, 2))
        self.assertEqual(shares[("revenue", 100)], 100.0)
        self.assertIs(shares[("profit", 50)], False)
        self.assertIs(shares[("profit", 100)], False)
        amounts = self.env["crm.customer.pareto.report"].search(
            [("company_id", "=", self.env.company.id), ("basis", "=", "profit")]
        )
        self.assertEqual(amounts.mapped("amount"), [94.0, -256.0], "the amounts stay")

    def test_pareto_of_one_customer(self):
        self._invoice(self.customer, date(2026, 5, 1), 100.0)
        self._run(self.customer)
        self.assertEqual(
            self._pareto_shares(self.env.company),
            {("profit", 100): 100.0, ("revenue", 100): 100.0},
        )

    def test_each_company_ranks_and_draws_its_own_customers(self):
        other = self.setup_other_company(name="Pareto B")["company"]
        self.env.user.company_ids |= other
        only_b = self._customer("Only B Co.")
        self._invoice(self.customer, date(2026, 5, 1), 10.0, company=other)
        self._invoice(only_b, date(2026, 5, 1), 990.0, company=other)
        self._run(self._three_customers())
        self._run(self.customer | only_b, company=other)
        self.assertEqual(self.customer.revenue_rank, 1)
        self.assertEqual(self.customer.with_company(other).revenue_rank, 2, "10 of 1,000 in B")
        both = (self.env.company | other).ids
        Report = self.env["crm.customer.pareto.report"].with_context(allowed_company_ids=both)
        self.assertEqual(len(Report.search([]).company_id), 2)
        views = Report.get_views([(False, "graph"), (False, "pivot")])["views"]
        for view_type, arch in ((kind, views[kind]["arch"]) for kind in ("graph", "pivot")):
            groupby = [
                node.get("name")
                for node in etree.fromstring(arch).iter("field")
                if node.get("type") != "measure"
            ]
            with self.subTest(view=view_type):
                groups = Report.formatted_read_group([], groupby, ["__count"])
                # each point or cell is one company's figure, not two mixed
                self.assertEqual({group["__count"] for group in groups}, {1})

    # Lifetime value -------------------------------------------------------------------------

    def test_churn_rates_on_the_first_pass_count_tonight_s_tiers(self):
        """Before any pass wrote a tier, the rates count the tiers the pass ranks tonight."""
        lost, third = self._customer("Gone Co."), self._customer("Third Co.")
        self._invoice(lost, date(2026, 1, 5), 10.0)
        self._invoice(third, date(2026, 2, 5), 8.0)
        self.Metrics._measure((lost | third).ids, TODAY)
        self.env["crm.customer.stage.history"].sudo().create(
            {
                "partner_id": lost.id,
                "stage_from_id": self.env.ref("crm_customer_mgmt.stage_development").id,
                "stage_to_id": self.interrupted.id,
                "value_tier": "small",
                "date": date(2026, 5, 20),
                "change": "interrupted",
            }
        )
        Partner = self.env["res.partner"]
        self.assertFalse(third.value_tier, "no pass has written a tier yet")
        interrupted = set(self.interrupted.ids)
        self.assertEqual(
            Partner._tier_churn_rates(TODAY, interrupted, {third.id: "small"}), {"small": 50.0}
        )

    def test_the_pass_keeps_the_month_s_churn_rates_for_refresh(self):
        Partner = self.env["res.partner"]
        interrupted = set(self.interrupted.ids)
        key = f"crm_customer_mgmt.tier_churn_rates.{self.env.company.id}"
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(key, '{"month": "2026-06-01", "rates": {"small": 12.5}}')
        self.assertEqual(Partner._kept_tier_churn_rates(TODAY, interrupted), {"small": 12.5})
        # another month's is worked out again
        params.set_param(key, '{"month": "2026-05-01", "rates": {"small": 12.5}}')
        self.assertEqual(Partner._kept_tier_churn_rates(TODAY, interrupted), {})
        # a value edited into nonsense is refused, and one stored behind the check's back is
        # worked out again
        for raw in ("[1, 2]", "{oops", '{"month": "2026-06-01", "rates": {"small": 250}}'):
            with self.subTest(raw=raw):
                with self.assertRaisesRegex(ValidationError, "churn rates the nightly pass"):
                    params.set_param(key, raw)
                self.env.execute_query(
                    SQL("UPDATE ir_config_parameter SET value = %s WHERE key = %s", raw, key)
                )
                self.env.registry.clear_cache("stable")
                with (
                    patch.object(settings, "_warned", set()),
                    self.assertLogs("odoo.addons.crm_customer_mgmt.models.settings", "WARNING"),
                ):
                    self.assertEqual(Partner._kept_tier_churn_rates(TODAY, interrupted), {})
        self._invoice(self.customer, date(2026, 5, 1), 50.0)
        Cron = type(self.env["ir.cron"])
        with (
            freeze_time(TODAY),
            patch.object(Cron, "_commit_progress", return_value=100, autospec=False),
        ):
            self.Metrics._pass_run()
        kept = json.loads(params.get_param(key))
        self.assertEqual(kept["month"], "2026-06-01", "the pass keeps this month's rates")
        self.assertIn(self.customer.value_tier, kept["rates"])
        self.assertTrue(all(0 <= rate <= 100 for rate in kept["rates"].values()))

    def test_lifetime_value_by_hand_against_the_formula(self):
        lost, third = self._customer("Gone Co."), self._customer("Third Co.")
        customers = self.customer | lost | third
        self._invoice(self.customer, date(2025, 3, 1), 100.0)  # margin 94, before 12 months
        self._invoice(self.customer, date(2026, 5, 1), 50.0)  # margin 44 this year
        self._invoice(lost, date(2026, 1, 5), 10.0)
        self._invoice(third, date(2026, 2, 5), 8.0)
        self._run(customers)
        # all three are small customers but the top one (VIP); one of the two small lost
        self.assertEqual(customers.mapped("value_tier"), ["vip", "small", "small"])
        self.env["crm.customer.stage.history"].sudo().create(
            {
                "partner_id": lost.id,
                "stage_from_id": self.env.ref("crm_customer_mgmt.stage_development").id,
                "stage_to_id": self.interrupted.id,
                "value_tier": "small",
                "date": date(2026, 5, 20),  # counted from the next month on
                "change": "interrupted",
            }
        )
        owned_writer(lost).customer_stage_id = self.interrupted
        self.assertEqual(
            self.env["res.partner"]._tier_churn_rates(TODAY, set(self.interrupted.ids)),
            {"small": 50.0, "vip": 0.0},
            "a Refresh counts the tiers the pass stored",
        )
        self._run(customers)
        factor = sum((1.0 / 1.1) ** year for year in (1, 2, 3))  # no VIP lost: kept
        self.assertAlmostEqual(self.customer.customer_lifetime_value, 138.0 + 44.0 * factor, 2)
        explanation = self.customer.customer_lifetime_value_explanation
        self.assertIn("Margin to date: 138.00", explanation)
        self.assertIn("Churn rate of VIP customers: 0.0% a year", explanation)
        self.assertIn(f"44.00 × {factor:.2f} discounted years (at 10% a year)", explanation)
        self.assertEqual(lost.customer_lifetime_value, 4.0, "a lost customer: margin to date")
        self.assertIn("Lost customer", lost.customer_lifetime_value_explanation)

    # Segments -------------------------------------------------------------------------------

    def test_rfm_suggested_type_and_quadrant_from_purchase_history(self):
        never, once, often = self._customer("Never Co."), self._customer("Once Co."), self.customer
        for day in (date(2026, 1, 10), date(2026, 3, 10), date(2026, 5, 10), date(2026, 6, 20)):
            self._invoice(often, day, 300.0)
        self._invoice(once, date(2025, 9, 1), 20.0)
        customers = never | once | often
        self._run(customers)
        self.assertEqual(
            customers.mapped("suggested_customer_type"), ["potential", "one_time", "loyal"]
        )
        self.assertEqual(
            [(c.rfm_recency, c.rfm_frequency, c.rfm_monetary) for c in customers],
            [(0, 0, 0), (1, 1, 1), (5, 5, 5)],
            "scored among the two who bought: the better one gets the best score",
        )
        self.assertFalse(never.rfm_segment)
        self.assertEqual((once.rfm_segment, often.rfm_segment), ("lost", "champions"))
        # VIP, bought in both periods: the most precious; the card's attitude wins
        self.assertEqual(often.value_loyalty_quadrant, "most_precious")
        often.loyalty_attitude = "switcher"
        self._run(customers)
        self.assertEqual(often.value_loyalty_quadrant, "most_dangerous")
        self.assertEqual(once.value_loyalty_quadrant, "drop")

    def test_rfm_of_customers_who_all_bought_once_on_the_last_day(self):
        """Invoiced together (a monthly invoicing run): all as recent as can be, all with one
        invoice; the money tells them apart."""
        small, big = self._customer("Small Once Co."), self._customer("Big Once Co.")
        customers = self.customer | small | big
        for customer, amount in ((self.customer, 100.0), (small, 100.0), (big, 300.0)):
            self._invoice(customer, date(2026, 6, 29), amount)
        self._run(customers)
        self.assertEqual(
            [(c.rfm_recency, c.rfm_frequency, c.rfm_monetary) for c in customers],
            [(5, 1, 1), (5, 1, 1), (5, 1, 5)],
        )
        self.assertEqual(customers.mapped("rfm_segment"), ["new", "new", "potential"])
        alone = self.Metrics._rfm({1: (date(2026, 6, 29), 1, 50.0)})[1]
        self.assertEqual(alone["rfm_segment"], "new", "the only buyer, of yesterday: not lost")

    def test_the_suggested_type_is_applied_from_the_card(self):
        self._invoice(self.customer, date(2026, 5, 1), 20.0)
        self.customer.customer_type = "loyal"
        self._run(self.customer)
        self.assertTrue(self.customer.customer_type_differs)
        self.customer.action_apply_suggested_type()
        self.assertEqual(self.customer.customer_type, "one_time")
        self.assertFalse(self.customer.customer_type_differs)

    # Security -------------------------------------------------------------------------------

    def test_reps_cannot_write_the_analysis_and_the_portal_cannot_read_it(self):
        rep = new_test_user(
            self.env,
            login="analysis_rep",
            groups="crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman",
        )
        owned_writer(self.customer).user_id = rep
        for name, value in [
            ("is_cost_customer", False),
            ("customer_lifetime_value", 1e6),
            ("rfm_segment", "champions"),
            ("customer_margin", 1.0),
            ("value_loyalty_quadrant", "most_precious"),
        ]:
            with (
                self.subTest(field=name),
                self.assertRaises(AccessError),
                mute_logger("odoo.models"),
            ):
                self.customer.with_user(rep).write({name: value})
        portal = new_test_user(self.env, login="analysis_portal", groups="base.group_portal")
        self.customer.sudo().message_subscribe(portal.partner_id.ids)
        for name in ("customer_lifetime_value", "is_cost_customer", "rfm_segment"):
            with self.subTest(field=name), self.assertRaises(AccessError):
                self.customer.with_user(portal).read([name])
        with self.assertRaises(AccessError):
            self.env["crm.customer.pareto.report"].with_user(rep).search([])

    def test_outside_the_app_no_search_group_or_sort_finds_out_the_analysis(self):
        """A domain, a grouping, an aggregate or an order on a field reads it: bisecting
        with domains would reveal a margin without reading it."""
        owned_writer(self.customer).write(
            {"customer_margin": 1234.0, "rfm_segment": "champions", "is_cost_customer": True}
        )
        clerk = new_test_user(self.env, login="analysis_clerk", groups="base.group_user")
        portal = new_test_user(self.env, login="analysis_portal2", groups="base.group_portal")
        portal.partner_id.parent_id = self.customer
        probes = {
            "domain": lambda P: P.search([("customer_margin", ">", 1000)]),
            "domain on a contact's company": lambda P: P.search(
                [("commercial_partner_id.is_cost_customer", "=", True)]
            ),
            "count": lambda P: P.search_count([("rfm_segment", "=", "champions")]),
            "group": lambda P: P.formatted_read_group([], ["rfm_segment"], ["__count"]),
            "sum": lambda P: P.formatted_read_group([], [], ["customer_lifetime_value:sum"]),
            "having": lambda P: P.formatted_read_group(
                [], ["is_company"], ["__count"], having=[("customer_margin:sum", ">", 0)]
            ),
            "order": lambda P: P.search([], order="customer_profit desc", limit=1),
        }
        for user in (clerk, portal):
            for name, probe in probes.items():
                with self.subTest(user=user.login, probe=name), self.assertRaises(AccessError):
                    probe(self.env["res.partner"].with_user(user))
        # another rep's customer: out of a rep's searches, and of his button
        rep = new_test_user(self.env, login="analysis_rep2", groups=REP)
        owned_writer(self.customer).write(
            {"user_id": self.env.user.id, "suggested_customer_type": "loyal"}
        )
        Partner = self.env["res.partner"].with_user(rep)
        self.assertFalse(Partner.search([("customer_margin", ">", 1000)]))
        with self.assertRaises(AccessError):
            self.customer.with_user(rep).action_apply_suggested_type()
        self.assertFalse(self.customer.customer_type)
