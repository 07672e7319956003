from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models

EUROPE_XMLID = "crm_customer_mgmt.res_company_europe_demo"


class ResCompany(models.Model):
    _inherit = "res.company"

    @api.model
    def _crm_customer_demo_second_company(self):
        """Demo data: a second company, in euros, that sells to two customers of the first,
        so that each company keeps its own stage and grade of them. Hengda buys from it
        every other month and pays within 20 days; Longxiang bought once eight months ago,
        never paid, and has a quotation waiting. Made once, at install."""
        if self.env.ref(EUROPE_XMLID, raise_if_not_found=False):
            return
        self.env.ref("base.EUR").active = True
        company = self.create(
            {
                "name": "Huaxia Home Appliances Europe GmbH",
                "country_id": self.env.ref("base.de").id,
                "city": "Hamburg",
            }
        )
        self.env["ir.model.data"]._update_xmlids(
            [{"xml_id": EUROPE_XMLID, "record": company, "noupdate": True}]
        )
        self.env["account.chart.template"]._load("generic_coa", company, install_demo=False)
        company.currency_id = self.env.ref("base.EUR")  # the chart sets its own
        self.env.ref("base.user_admin").company_ids = [Command.link(company.id)]
        env = self.with_company(company).env
        ref = self.env.ref
        today = fields.Date.context_today(self)
        sales = [  # customer, months ago, product, quantity, price, paid
            ("partner_hengda_demo", 5, "product_rice_cooker_3l_demo", 40, 38.0, True),
            ("partner_hengda_demo", 3, "product_electric_kettle_demo", 60, 21.0, True),
            ("partner_hengda_demo", 1, "product_rice_cooker_3l_demo", 50, 38.0, True),
            ("partner_longxiang_demo", 8, "product_induction_cooker_demo", 30, 45.0, False),
        ]
        for xmlid, months, product, quantity, price, paid in sales:
            day = today + relativedelta(months=-months, day=8)
            move = env["account.move"].create(
                {
                    "move_type": "out_invoice",
                    "partner_id": ref(f"crm_customer_mgmt.{xmlid}").id,
                    "invoice_date": day,
                    "invoice_date_due": day + relativedelta(days=30),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": ref(f"crm_customer_mgmt.{product}").id,
                                "quantity": quantity,
                                "price_unit": price,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            move.action_post()
            if paid:
                env["account.payment.register"].with_context(
                    active_model="account.move", active_ids=move.ids
                ).create({"payment_date": day + relativedelta(days=20)})._create_payments()
        env["sale.order"].create(
            {
                "partner_id": ref("crm_customer_mgmt.partner_longxiang_demo").id,
                "company_id": company.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": ref(
                                "crm_customer_mgmt.product_induction_cooker_demo"
                            ).id,
                            "product_uom_qty": 20,
                            "price_unit": 45.0,
                        }
                    )
                ],
            }
        )
