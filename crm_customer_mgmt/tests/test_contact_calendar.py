from datetime import datetime, time, timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from ..models import crm_customer_contact_calendar
from ..models.tools import owned_writer

REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman"


def month_of(day):
    return day.strftime("%Y-%m")


def noon(day):
    return datetime.combine(day, time(12))


class ContactCalendarCommon:
    """Two reps' customers; the first one's people called, emailed and met, and a call and a
    meeting ahead."""

    @classmethod
    def _make_customers(cls, env):
        cls.rep = new_test_user(env, login="cal_rep", groups=REP, name="Calendar Rep")
        cls.rep_two = new_test_user(env, login="cal_rep_two", groups=REP, name="Calendar Rep Two")
        Partner = env["res.partner"]
        cls.customer = Partner.create(
            {
                "name": "Calendar Hengda",
                "is_company": True,
                "customer_rank": 1,
                "user_id": cls.rep.id,
            }
        )
        cls.buyer = Partner.create(
            {
                "name": "Buyer Wang",
                "parent_id": cls.customer.id,
                "email": "wang@hengda.example.com",
            }
        )
        cls.other = Partner.create(
            {
                "name": "Calendar Jinhai",
                "is_company": True,
                "customer_rank": 1,
                "user_id": cls.rep_two.id,
            }
        )
        cls.stable = env.ref("crm_customer_mgmt.stage_stable")
        owned_writer(cls.customer).write({"value_tier": "vip", "customer_stage_id": cls.stable.id})
        owned_writer(cls.other).write({"value_tier": "small"})

    @classmethod
    def _log_call(cls, partner, user, feedback, day):
        """A call activity marked done by ``user``, its message dated at noon of ``day``."""
        activity = partner.activity_schedule(
            "mail.mail_activity_data_call", summary="Call the buyer", user_id=user.id
        )
        message = activity.with_user(user).action_feedback(feedback=feedback)
        message = partner.env["mail.message"].browse(message)
        message.date = noon(day)
        return message


@tagged("post_install", "-at_install")
class TestContactCalendar(ContactCalendarCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_customers(cls.env)
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.past, cls.ahead = cls.today - timedelta(days=2), cls.today + timedelta(days=2)
        cls.call = cls._log_call(
            cls.customer, cls.rep, "Buyer agreed to the spring order", cls.past
        )
        Event = cls.env["calendar.event"]
        cls.meeting_held, cls.meeting_ahead = Event.create(
            [
                {
                    "name": "Plant visit",
                    "start": noon(cls.past),
                    "stop": noon(cls.past) + timedelta(hours=1),
                    "partner_ids": [Command.set(cls.buyer.ids)],
                },
                {
                    "name": "Price talk",
                    "start": noon(cls.ahead),
                    "stop": noon(cls.ahead) + timedelta(hours=1),
                    "partner_ids": [Command.set(cls.buyer.ids)],
                },
            ]
        )
        cls.email = cls.env["mail.message"].create(
            {
                "model": "res.partner",
                "res_id": cls.customer.id,
                "message_type": "email",
                "author_id": cls.buyer.id,
                "subject": "Quote request",
                "body": "<p>Please quote 200 valves</p>",
                "date": noon(cls.past),
            }
        )
        cls.call_ahead = cls.customer.activity_schedule(
            "mail.mail_activity_data_call",
            date_deadline=cls.ahead,
            summary="Follow the <quote> up",
            user_id=cls.rep.id,
        )
        cls.Calendar = cls.env["crm.customer.contact"]

    def _calendar(self, user, day, filters=None, offset=0):
        return self.Calendar.with_user(user).get_contact_calendar(month_of(day), filters, offset)

    def _cell(self, user, day, partner):
        """The entries of ``partner`` on ``day``, as the calendar of its month gives them."""
        data = self._calendar(user, day)
        row = next(row for row in data["customers"] if row["id"] == partner.id)
        return row["days"].get(str(day.day), [])

    def test_done_contacts(self):
        cell = self._cell(self.rep, self.past, self.customer)
        self.assertEqual(
            [(e["letter"], e["model"], e["res_id"], e["planned"]) for e in cell],
            [
                ("M", "calendar.event", self.meeting_held.id, False),
                ("T", "mail.message", self.call.id, False),
                ("E", "mail.message", self.email.id, False),
            ],
            "held meeting, call, email: done ones in the order of the kinds",
        )
        meeting, call, email = cell
        self.assertEqual(meeting["note"], "Plant visit")
        # the message's HTML (Odoo's "activity done" layout) as one line of plain text
        self.assertEqual(
            call["note"], "Call done : Call the buyer Feedback: Buyer agreed to the spring order"
        )
        self.assertEqual(email["note"], "Quote request")
        self.assertEqual(email["kind"], "email")

    def test_planned_contacts(self):
        cell = self._cell(self.rep, self.ahead, self.customer)
        self.assertEqual(
            [(e["letter"], e["model"], e["res_id"], e["planned"], e["note"]) for e in cell],
            [
                ("M", "calendar.event", self.meeting_ahead.id, True, "Price talk"),
                ("T", "mail.activity", self.call_ahead.id, True, "Follow the <quote> up"),
            ],
        )
        self.assertEqual(self._cell(self.rep, self.today, self.customer), [])

    def test_month_shape(self):
        data = self._calendar(self.rep, self.today.replace(month=2, day=1))
        self.assertEqual(data["month"], f"{self.today.year}-02")
        self.assertIn(len(data["days"]), (28, 29))
        self.assertEqual(data["days"][0]["weekday"], self.today.replace(month=2, day=1).weekday())
        row = next(row for row in data["customers"] if row["id"] == self.customer.id)
        self.assertEqual(row["value_tier"], "vip")
        self.assertEqual(row["stage"], self.stable.name)
        self.assertEqual(row["user"], "Calendar Rep")
        self.assertIn([self.rep.id, "Calendar Rep"], data["options"]["users"])
        self.assertIn(["vip", "VIP"], data["options"]["value_tiers"])

    def test_note_shortened(self):
        self.call.body = "<p>%s</p>" % ("word " * 100)
        note = self._cell(self.rep, self.past, self.customer)[1]["note"]
        self.assertLessEqual(len(note), crm_customer_contact_calendar.NOTE_LENGTH)
        self.assertTrue(note.endswith("…"))

    def test_rep_sees_own_customers_only(self):
        ids = [row["id"] for row in self._calendar(self.rep, self.past)["customers"]]
        self.assertIn(self.customer.id, ids)
        self.assertNotIn(self.other.id, ids, "another rep's customer stays out")
        # asking for the other rep's customers gives nothing either
        data = self._calendar(self.rep, self.past, {"user_id": self.rep_two.id})
        self.assertEqual((data["customers"], data["total"]), ([], 0))
        ids = [row["id"] for row in self._calendar(self.rep_two, self.past)["customers"]]
        self.assertIn(self.other.id, ids)
        self.assertNotIn(self.customer.id, ids)

    def test_private_meeting_keeps_its_name(self):
        """A colleague's private meeting with the customer's buyer shows as an M, unnamed."""
        private = self.env["calendar.event"].create(
            {
                "name": "Secret merger talk",
                "start": noon(self.past),
                "stop": noon(self.past) + timedelta(hours=1),
                "privacy": "private",
                "user_id": self.rep_two.id,
                "partner_ids": [Command.set((self.buyer | self.rep_two.partner_id).ids)],
            }
        )
        entries = [
            e for e in self._cell(self.rep, self.past, self.customer) if e["res_id"] == private.id
        ]
        self.assertEqual([(e["letter"], e["note"]) for e in entries], [("M", "")])

    def test_filters(self):
        supervisor = new_test_user(self.env, login="cal_supervisor", groups=MANAGER)

        def names(filters):
            data = self._calendar(supervisor, self.past, filters)
            return {row["name"] for row in data["customers"]} & {
                "Calendar Hengda",
                "Calendar Jinhai",
            }

        self.assertEqual(names({}), {"Calendar Hengda", "Calendar Jinhai"})
        self.assertEqual(names({"user_id": self.rep_two.id}), {"Calendar Jinhai"})
        self.assertEqual(names({"value_tier": "vip"}), {"Calendar Hengda"})
        self.assertEqual(names({"value_tier": "small", "user_id": self.rep.id}), set())
        self.assertEqual(names({"stage_id": self.stable.id}), {"Calendar Hengda"})
        # the card owner's customers count as the rep's
        self.other.card_owner_id = self.rep
        self.assertEqual(names({"user_id": self.rep.id}), {"Calendar Hengda", "Calendar Jinhai"})

    def test_order_and_pages(self):
        Partner = self.env["res.partner"]
        alpha, beta = Partner.create(
            [
                {
                    "name": "Alpha Works",
                    "is_company": True,
                    "customer_type": "potential",
                    "user_id": self.rep.id,
                },
                {
                    "name": "Beta Works",
                    "is_company": True,
                    "customer_rank": 1,
                    "user_id": self.rep.id,
                },
            ]
        )
        owned_writer(beta).write({"value_tier": "key"})
        filters = {"user_id": self.rep.id}
        data = self._calendar(self.rep, self.past, filters)
        self.assertEqual(
            [row["id"] for row in data["customers"]],
            [self.customer.id, beta.id, alpha.id],
            "VIP, then key, then no tier",
        )
        with patch.object(crm_customer_contact_calendar, "CALENDAR_PAGE", 2):
            first = self._calendar(self.rep, self.past, filters)
            second = self._calendar(self.rep, self.past, filters, offset=2)
        self.assertEqual([row["id"] for row in first["customers"]], [self.customer.id, beta.id])
        self.assertEqual((first["total"], first["limit"], first["offset"]), (3, 2, 0))
        self.assertEqual([row["id"] for row in second["customers"]], [alpha.id])
        self.assertEqual(second["offset"], 2)

    def test_bad_input(self):
        for month in (
            "2025-13",
            "2025-3",
            "march",
            "1899-12",
            "9999-12",
            None,
            202503,
            "2025-03-01",
        ):
            with self.subTest(month=month), self.assertRaises(UserError):
                self.Calendar.with_user(self.rep).get_contact_calendar(month)
        for filters in (
            {"partner_id": 1},
            {"user_id": "1"},
            {"user_id": -3},
            {"stage_id": True},
            {"value_tier": "gold"},
            {"value_tier": ["vip"]},
            ["user_id", 1],
        ):
            with self.subTest(filters=filters), self.assertRaises(UserError):
                self.Calendar.with_user(self.rep).get_contact_calendar("2025-03", filters)
        with self.assertRaises(UserError):
            self.Calendar.with_user(self.rep).get_contact_calendar("2025-03", None, -1)
        with self.assertRaises(UserError):
            self.Calendar.with_user(self.rep).get_contact_calendar("2025-03", None, 10**20)
        with self.assertRaises(UserError) as caught:
            self.Calendar.with_user(self.rep).get_contact_calendar("2025/03")
        self.assertIn("YYYY-MM", str(caught.exception))

    def test_outsider_refused(self):
        clerk = new_test_user(self.env, login="cal_clerk", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.Calendar.with_user(clerk).get_contact_calendar("2025-03")

    def test_queries_do_not_grow_with_customers(self):
        """One page costs the same number of queries for 1 or 5 customers with contacts."""
        supervisor = new_test_user(self.env, login="cal_supervisor_q", groups=MANAGER)
        Calendar = self.Calendar.with_user(supervisor)
        month = month_of(self.past)

        def count(filters):
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            Calendar.get_contact_calendar(month, filters)
            return self.cr.sql_log_count - start

        one = count({"user_id": self.rep.id})
        for index in range(4):
            extra = self.env["res.partner"].create(
                {
                    "name": f"Extra {index}",
                    "is_company": True,
                    "customer_rank": 1,
                    "user_id": self.rep.id,
                }
            )
            self._log_call(extra, self.rep, f"call {index}", self.past)
        five = count({"user_id": self.rep.id})
        self.assertLessEqual(five, one + 2)


@tagged("post_install", "-at_install", "crm_customer_mgmt_tours")
class TestContactCalendarBrowser(ContactCalendarCommon, HttpCase):
    """The calendar in Chromium: the tour as a rep, and the JavaScript unit tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_customers(cls.env)
        cls.customer.name = "Tour Calendar Customer"
        # a call on the 10th of this month
        cls._log_call(cls.customer, cls.rep, "Tour call", fields.Date.today().replace(day=10))

    def test_contact_calendar_tour(self):
        self.start_tour("/odoo", "crm_customer_contact_calendar_tour", login="cal_rep")

    def test_contact_calendar_unit(self):
        """Odoo's unit test runner, on static/tests/contact_calendar.test.js only; a failed
        test fails this one."""
        suite = hoot_id("@crm_customer_mgmt/contact_calendar")
        self.browser_js(
            f"/web/tests?headless&loglevel=2&preset=desktop&timeout=15000&id={suite}",
            "",
            "",
            login="admin",
            timeout=600,
            success_signal="[HOOT] Test suite succeeded",
            error_checker=lambda message: "[HOOT]" not in message,
        )


def hoot_id(name):
    """The id Odoo's test runner gives a suite or test of that full name (as web's test_js)."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"
