from datetime import datetime, time, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from ..models.tools import owned_writer
from .test_tours import REP


@tagged("post_install", "-at_install", "crm_customer_mgmt_tours")
class TestContactTours(HttpCase):
    """A rep's contact work in a real browser: logging a call from the card, Contacts Due
    by city, scheduling the next call, the card's main tabs."""

    def test_rep_contacts_tour(self):
        rep = new_test_user(self.env, login="contact_rep", groups=REP, name="Contact Rep")
        today = fields.Date.today()
        customers = self.env["res.partner"].create(
            [
                {
                    "name": name,
                    "is_company": True,
                    "customer_rank": 1,
                    "user_id": rep.id,
                    "city": city,
                }
                for name, city in (
                    ("Tour Contact Trading", "Suzhou"),
                    ("Tour Late Appliances", "Hangzhou"),
                )
            ]
        )
        owned_writer(customers).write({"value_tier": "vip"})
        call = self.env.ref("mail.mail_activity_data_call")
        for customer in customers:
            with freeze_time(datetime.combine(today - timedelta(days=20), time(9))):
                self.env["mail.activity"].create(
                    {
                        "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                        "res_id": customer.id,
                        "activity_type_id": call.id,
                        "user_id": rep.id,
                    }
                ).action_feedback(feedback="Called")
        self.env["crm.customer.metrics"].sudo()._pass_partners(customers, today)
        self.assertEqual(customers.mapped("next_contact_date"), [today - timedelta(days=13)] * 2)
        self.start_tour(
            f"/odoo/customer-cards/{customers[0].id}",
            "crm_customer_mgmt_contacts_tour",
            login="contact_rep",
        )
        contact, late = customers
        self.assertEqual((contact.last_contact_date, contact.last_contact_kind), (today, "phone"))
        self.assertEqual(contact.next_contact_date, today + timedelta(days=7))
        planned = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", late.id)]
        )
        self.assertEqual(planned.mapped("summary"), ["Ask about the winter stock"])
        self.assertEqual((planned.activity_type_id, planned.user_id), (call, rep))
