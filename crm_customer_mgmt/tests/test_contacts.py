import ast
from datetime import datetime, time, timedelta

import psycopg2
from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..engine import warnings as warning_engine
from ..models.tools import owned_writer
from .common import REP, MetricsCase


@tagged("post_install", "-at_install")
class TestContacts(MetricsCase):
    """Contacts read from Odoo's own records: done activities, meetings held, emails both
    ways; measured by the pass, with the cadence and the next contact due."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.customer = cls._customer("Contact Test Trading")
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Wang Buyer", "parent_id": cls.customer.id, "email": "wang@example.com"}
        )
        cls.call = cls.env.ref("mail.mail_activity_data_call")
        cls.email_type = cls.env.ref("mail.mail_activity_data_email")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")

    def _done(self, record, activity_type, days_ago, note="done"):
        with freeze_time(datetime.combine(self.today - timedelta(days=days_ago), time(9))):
            activity = self.env["mail.activity"].create(
                {
                    "res_model_id": self.env["ir.model"]._get_id(record._name),
                    "res_id": record.id,
                    "activity_type_id": activity_type.id,
                    "user_id": self.env.uid,
                }
            )
            activity.action_feedback(feedback=note)

    def _meeting(self, days_ago, attendee=None, hours=10):
        start = datetime.combine(self.today, time(hours)) - timedelta(days=days_ago)
        return self.env["calendar.event"].create(
            {
                "name": "Visit",
                "start": start,
                "stop": start + timedelta(hours=1),
                "partner_ids": [(4, (attendee or self.buyer).id)],
            }
        )

    def _measured(self, partner=None):
        partner = partner or self.customer
        self._pass(partner, self.today)
        return self.Metrics._measure_values(partner.ids)[partner.id]

    def test_done_call_on_the_customer_counts_as_phone(self):
        self._done(self.customer, self.call, 3, "Talked about the spring order")
        row = self._measured()
        self.assertEqual(row["last_contact_date"], self.today - timedelta(days=3))
        self.assertEqual(row["last_contact_kind"], "phone")
        self.assertEqual(row["contacts_phone"], 1)
        self.assertEqual(self.customer.last_contact_date, self.today - timedelta(days=3))
        # counted to the user's today, which his time zone may put a day ahead of UTC's
        user_today = fields.Date.context_today(self.customer)
        self.assertEqual(self.customer.days_since_last_contact, (user_today - self.today).days + 3)

    def test_done_activity_on_a_contact_person_counts_for_the_customer(self):
        self._done(self.buyer, self.email_type, 2)
        row = self._measured()
        self.assertEqual((row["last_contact_kind"], row["contacts_email"]), ("email", 1))

    def test_activity_type_not_mapped_is_no_contact(self):
        self._done(self.customer, self.todo, 1)
        self.assertFalse(self._measured()["last_contact_date"])
        # an admin maps it: the same done activity now counts
        self.todo.crm_contact_kind = "meeting"
        self.assertEqual(self._measured()["last_contact_kind"], "meeting")
        # and unmaps the call type: calls stop counting
        self.call.crm_contact_kind = False
        self._done(self.customer, self.call, 0)
        self.assertEqual(self._measured()["contacts_phone"], 0)

    def test_meeting_held_with_a_contact_person_counts(self):
        self._meeting(5)
        row = self._measured()
        self.assertEqual(row["last_contact_date"], self.today - timedelta(days=5))
        self.assertEqual((row["last_contact_kind"], row["contacts_meeting"]), ("meeting", 1))

    def test_meeting_ahead_or_declined_is_no_done_contact(self):
        self._meeting(-3)  # in three days: planned
        declined = self._meeting(4)
        declined.attendee_ids.filtered(lambda a: a.partner_id == self.buyer).state = "declined"
        self.assertFalse(self._measured()["last_contact_date"])
        planned = self.env.execute_query(
            self.env["crm.customer.contact"]._planned_contacts(
                self.customer.ids, self.today, self.today + timedelta(days=7)
            )
        )
        self.assertEqual(
            [(row[1], row[2]) for row in planned], [(self.today + timedelta(days=3), "meeting")]
        )

    def test_meeting_and_its_done_activity_count_once(self):
        self._meeting(2, hours=9)
        self._done(self.customer, self.env.ref("mail.mail_activity_data_meeting"), 2)
        self.assertEqual(self._measured()["contacts_meeting"], 1)

    def test_emails_received_and_sent_count_failed_ones_do_not(self):
        with freeze_time(datetime.combine(self.today - timedelta(days=6), time(8))):
            self.customer.message_post(
                body="Please quote", author_id=self.buyer.id, message_type="email"
            )
        self.assertEqual(self._measured()["contacts_email"], 1)
        with freeze_time(datetime.combine(self.today - timedelta(days=1), time(8))):
            sent = (
                self.env["sale.order"]
                .create({"partner_id": self.customer.id})
                .message_post(
                    body="Your quotation",
                    partner_ids=self.buyer.ids,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
            )
        row = self._measured()
        self.assertEqual(
            (row["last_contact_date"], row["contacts_email"]), (self.today - timedelta(days=1), 2)
        )
        sent.notification_ids.sudo().notification_status = "bounce"
        self.assertEqual(self._measured()["last_contact_date"], self.today - timedelta(days=6))

    def test_contacts_of_other_customers_and_internal_notes_do_not_count(self):
        other = self._customer("Someone Else Ltd")
        self._done(other, self.call, 1)
        self.customer.message_post(body="internal", subtype_xmlid="mail.mt_note")
        self.assertFalse(self._measured()["last_contact_date"])

    def test_contacts_fall_on_the_days_of_the_time_zone(self):
        """A call done at 23:30 UTC is the next morning in Shanghai: the next day there."""
        day = self.today - timedelta(days=5)
        with freeze_time(datetime.combine(day, time(23, 30))):
            self.env["mail.activity"].create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": self.customer.id,
                    "activity_type_id": self.call.id,
                    "user_id": self.env.uid,
                }
            ).action_feedback(feedback="late call")
        Contact = self.env["crm.customer.contact"]
        Contact._flush_sources()
        for tz, expected in (("UTC", day), ("Asia/Shanghai", day + timedelta(days=1))):
            with self.subTest(tz=tz):
                events = Contact.with_context(tz=tz)._contact_events(
                    self.customer.ids, day - timedelta(days=1), day + timedelta(days=1)
                )
                rows = self.env.execute_query(SQL("SELECT date, kind FROM (%s) e", events))
                self.assertEqual(rows, [(expected, "phone")])
        # a day's bounds are the time zone's: in Shanghai the call is not on the UTC day
        events = Contact.with_context(tz="Asia/Shanghai")._contact_events(
            self.customer.ids, day, day
        )
        self.assertFalse(self.env.execute_query(SQL("SELECT date FROM (%s) e", events)))

    def test_weekly_calls_without_orders_are_not_silence(self):
        """A customer who never ordered but is called every week is not silent for the
        contact metric; one never contacted is."""
        for week in range(4):
            self._done(self.customer, self.call, 7 * week + 1)
        silent = self._customer("Silent Trading")
        self._pass(self.customer | silent, self.today)
        Rule = self.env["crm.customer.warning.rule"]
        facts = Rule._warning_facts(self.customer | silent, 30, self.today)
        reading = warning_engine.read("days_without_contact", facts[self.customer.id])
        self.assertEqual(reading.value, 1)
        self.assertFalse(warning_engine.reading_holds(">=", reading, 30))
        self.assertTrue(
            warning_engine.reading_holds(
                ">=", warning_engine.read("days_without_contact", facts[silent.id]), 30
            )
        )
        self.assertEqual(
            self.Metrics._measure_values(self.customer.ids)[self.customer.id]["contacts_phone"], 4
        )


@tagged("post_install", "-at_install")
class TestContactCadence(MetricsCase):
    """Cadence by tier and stage, the next contact due, and Contacts due on a known set."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.Cadence = cls.env["crm.customer.contact.cadence"]
        cls.Cadence.search([]).unlink()
        cls.vip = cls.Cadence.create({"value_tier": "vip", "interval_days": 7})
        cls.Cadence.create({"value_tier": "small", "interval_days": 90})
        cls.stage = cls.env["crm.customer.stage"].search([("is_interrupted", "=", False)], limit=1)
        cls.rep = new_test_user(cls.env, login="cadence_rep", groups=REP)
        cls.call = cls.env.ref("mail.mail_activity_data_call")

    def _tiered(self, name, tier, called_days_ago=None, user=None):
        customer = self._customer(name)
        customer.user_id = user or self.rep
        owned_writer(customer).write({"value_tier": tier})
        if called_days_ago is not None:
            with freeze_time(
                datetime.combine(self.today - timedelta(days=called_days_ago), time(9))
            ):
                self.env["mail.activity"].create(
                    {
                        "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                        "res_id": customer.id,
                        "activity_type_id": self.call.id,
                        "user_id": self.env.uid,
                    }
                ).action_feedback(feedback="called")
        return customer

    def test_cadence_of_the_tier_and_next_contact(self):
        customer = self._tiered("Vip Co", "vip", called_days_ago=10)
        self._pass(customer, self.today)
        self.assertEqual(customer.contact_cadence_days, 7)
        self.assertEqual(customer.next_contact_date, self.today - timedelta(days=3))
        user_today = fields.Date.context_today(customer)
        self.assertEqual(customer.contact_days_late, (user_today - self.today).days + 3)
        self.assertEqual((customer.contact_priority, customer.contact_on_time), (1, 0))

    def test_cadence_of_the_stage_comes_before_the_tier(self):
        self.Cadence.create({"stage_id": self.stage.id, "interval_days": 20})
        customer = self._tiered("Staged Co", "vip", called_days_ago=10)
        owned_writer(customer).write({"customer_stage_id": self.stage.id})
        self._pass(customer, self.today)
        self.assertEqual(customer.contact_cadence_days, 20)
        self.assertEqual(
            (customer.next_contact_date, customer.contact_on_time),
            (self.today + timedelta(days=10), 100),
        )

    def test_no_cadence_no_due_date(self):
        customer = self._tiered("Key Co", "key", called_days_ago=100)
        self._pass(customer, self.today)
        self.assertEqual((customer.contact_cadence_days, customer.next_contact_date), (0, False))

    def test_never_contacted_is_due_a_cadence_after_it_became_a_customer(self):
        customer = self._tiered("New Co", "vip")
        self._pass(customer, self.today)
        self.assertEqual(
            customer.next_contact_date, customer.create_date.date() + timedelta(days=7)
        )

    def test_contacts_due_lists_the_reps_late_customers_most_important_first(self):
        small_late = self._tiered("Small Late", "small", called_days_ago=120)
        vip_late = self._tiered("Vip Late", "vip", called_days_ago=9)
        vip_later = self._tiered("Vip Later", "vip", called_days_ago=20)
        on_time = self._tiered("Vip On Time", "vip", called_days_ago=2)
        others = self._tiered("Another Rep's", "vip", called_days_ago=30, user=self.env.user)
        self._pass(small_late | vip_late | vip_later | on_time | others, self.today)
        action = self.env.ref("crm_customer_mgmt.action_res_partner_contact_due")
        view = self.env.ref("crm_customer_mgmt.res_partner_view_list_contact_due")
        domain = [
            *ast.literal_eval(action.domain),
            ("next_contact_date", "<=", self.today),
            ("user_id", "=", self.rep.id),
        ]
        order = "contact_priority, next_contact_date"
        self.assertIn(f'default_order="{order}"', view.arch_db)
        due = self.env["res.partner"].with_user(self.rep).search(domain, order=order)
        self.assertEqual(due.mapped("name"), ["Vip Later", "Vip Late", "Small Late"])
        # the rep's record rules keep another rep's customers out
        self.assertNotIn(
            others,
            self.env["res.partner"].with_user(self.rep).search([("contact_cadence_days", ">", 0)]),
        )
        # the supervisors' share kept on time: one of four of the rep's customers
        groups = self.env["res.partner"]._read_group(
            [("id", "in", (small_late | vip_late | vip_later | on_time).ids)],
            ["user_id"],
            ["contact_on_time:avg"],
        )
        self.assertEqual(groups, [(self.rep, 25.0)])

    def test_cadence_validation_and_access(self):
        with self.assertRaisesRegex(ValidationError, "between 1 and 3650 days"):
            self.Cadence.create({"value_tier": "key", "interval_days": 0})
        with self.assertRaises(psycopg2.errors.UniqueViolation), self.cr.savepoint():
            self.Cadence.create({"value_tier": "vip", "interval_days": 5})  # a second VIP one
        with self.assertRaises(AccessError):
            self.Cadence.with_user(self.rep).create({"value_tier": "key", "interval_days": 10})
        customer = self._tiered("Rpc Co", "vip")
        with self.assertRaises(AccessError):
            customer.with_user(self.rep).write(
                {"next_contact_date": self.today + timedelta(days=90)}
            )
        with self.assertRaises(AccessError):
            customer.with_user(self.rep).write({"last_contact_date": self.today})

    def test_log_a_contact_opens_a_call_to_mark_done(self):
        customer = self._tiered("Log Co", "vip")
        action = customer.with_user(self.rep).action_log_contact()
        self.assertEqual(action["res_model"], "mail.activity")
        context = action["context"]
        self.assertEqual(
            (context["default_res_id"], context["default_activity_type_id"]),
            (customer.id, self.call.id),
        )
        activity = self.env["mail.activity"].with_user(self.rep).with_context(**context).create({})
        activity.action_feedback(feedback="Met at the fair")
        self._pass(customer, self.today)
        self.assertEqual(
            (customer.last_contact_date, customer.last_contact_kind), (self.today, "phone")
        )

    def test_contact_gap_metric(self):
        customer = self._tiered("Gap Co", "vip", called_days_ago=12)
        self._pass(customer, self.today)
        facts = self.env["crm.customer.warning.rule"]._warning_facts(customer, 30, self.today)
        reading = warning_engine.read("contact_gap", facts[customer.id])
        self.assertEqual(reading.value, 5)
        self.assertIn("12 days ago", reading.words())
