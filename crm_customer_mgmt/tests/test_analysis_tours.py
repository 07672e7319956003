from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman"


@tagged("post_install", "-at_install", "crm_customer_mgmt_tours")
class TestAnalysisTours(HttpCase):
    """The analysis screens in a real browser, as a supervisor, after a pass over the demo
    customers and one bought twice with known costs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(cls.env, login="tour_analyst", groups=MANAGER, name="Tour Analyst")
        today = fields.Date.context_today(cls.env.user)
        product = cls.env["product.product"].create(
            {"name": "Tour valve", "list_price": 50.0, "standard_price": 30.0}
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Tour Analysis Trading",
                "is_company": True,
                "customer_rank": 1,
                "customer_type": "one_time",
            }
        )
        for days in (200, 20):
            invoice = cls.env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer.id,
                    "invoice_date": today - timedelta(days=days),
                    "invoice_line_ids": [
                        Command.create(
                            {"product_id": product.id, "quantity": 10, "price_unit": 50.0}
                        )
                    ],
                }
            )
            invoice.action_post()
        metrics = cls.env["crm.customer.metrics"].sudo()
        customers = cls.env["res.partner"].search(metrics._customer_domain())
        metrics._measure(customers.ids, today)
        metrics._pass_apply(customers, today, metrics._ranks())

    def test_analysis_tour(self):
        self.start_tour(
            f"/odoo/customer-cards/{self.customer.id}",
            "crm_customer_analysis_tour",
            login="tour_analyst",
        )
        self.assertEqual(self.customer.customer_type, "loyal")
        self.assertEqual(self.customer.customer_margin, 2 * 10 * (50.0 - 30.0))
