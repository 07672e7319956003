from datetime import date

from dateutil.relativedelta import relativedelta

from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.crm_customer_mgmt.models.tools import owned_writer

REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
SUPERVISOR = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman"


@tagged("post_install", "-at_install", "crm_customer_mgmt_tours")
class TestDashboardTour(HttpCase):
    """A supervisor opens the dashboard in Odoo's Dashboards app, in a real browser: its
    figures fill with the customers' values; a server error or a traceback fails the tour."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="dash_tour_rep", groups=REP, name="Dash Rep")
        new_test_user(cls.env, login="dash_tour_supervisor", groups=SUPERVISOR)
        ref = cls.env.ref
        cls.customers = cls.env["res.partner"].create(
            [
                {
                    "name": name,
                    "is_company": True,
                    "customer_rank": 1,
                    "user_id": cls.rep.id,
                }
                for name in ("Dash Hengda Trading", "Dash Jinhai Hardware")
            ]
        )
        # what the nightly pass would have found
        for customer, values in zip(
            cls.customers,
            [
                {
                    "value_tier": "vip",
                    "customer_stage_id": ref("crm_customer_mgmt.stage_stable").id,
                    "credit_grade_id": ref("crm_customer_mgmt.credit_grade_a").id,
                    "contact_cadence_days": 14,
                    "contact_on_time": 100,
                },
                {
                    "value_tier": "small",
                    "customer_stage_id": ref("crm_customer_mgmt.stage_interrupted").id,
                    "credit_grade_id": ref("crm_customer_mgmt.credit_grade_c").id,
                    "contact_cadence_days": 30,
                    "contact_on_time": 0,
                },
            ],
            strict=True,
        ):
            owned_writer(customer).write(values)
        cls.env["crm.customer.metrics"].create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": cls.env.company.id,
                    "sales_12m": sales,
                    "margin_12m": margin,
                    "cost_to_serve_12m": 0,
                }
                for customer, sales, margin in zip(
                    cls.customers, (9000, 1000), (1500, 500), strict=True
                )
            ]
        )
        # the second customer, stable since last year, is lost this month
        cls.env["crm.customer.stage.history"].sudo().create(
            [
                {
                    "partner_id": cls.customers[1].id,
                    "stage_to_id": ref("crm_customer_mgmt.stage_stable").id,
                    "change": "entered",
                    "date": date.today() - relativedelta(years=1),
                    "user_id": cls.rep.id,
                },
                {
                    "partner_id": cls.customers[1].id,
                    "stage_from_id": ref("crm_customer_mgmt.stage_stable").id,
                    "stage_to_id": ref("crm_customer_mgmt.stage_interrupted").id,
                    "change": "interrupted",
                    "date": date.today(),
                    "user_id": cls.rep.id,
                    "churn_reason_id": cls.env["crm.churn.reason"].search([], limit=1).id,
                },
            ]
        )
        rule = cls.env["crm.customer.warning.rule"].create(
            {"name": "Dash overdue rule", "metric": "overdue_days", "threshold": 30}
        )
        cls.env["crm.customer.warning"].create(
            {
                "rule_id": rule.id,
                "partner_id": cls.customers[1].id,
                "value": 45,
                "threshold": 30,
                "severity": "critical",
                "user_id": cls.rep.id,
            }
        )

    def test_supervisor_opens_the_dashboard(self):
        self.start_tour("/odoo", "crm_customer_mgmt_dashboard_tour", login="dash_tour_supervisor")
