from datetime import date

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import CustomerCardCase

TODAY = date(2026, 6, 30)  # reminders 7 days ahead: July 7


@tagged("post_install", "-at_install")
class TestCareAndDigest(CustomerCardCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(
            cls.env, login="care_rep", groups="crm_customer_mgmt.group_customer_mgmt_user"
        )
        cls.customer.user_id = cls.rep
        Partner = cls.env["res.partner"]
        cls.boss = Partner.create(
            {"name": "Zhou Jie", "parent_id": cls.customer.id, "birthday": date(1975, 7, 7)}
        )
        cls.buyer = Partner.create(
            {
                "name": "Wu Fang",
                "parent_id": cls.customer.id,
                "memorable_date": date(2010, 7, 7),
                "memorable_date_label": "Wedding anniversary",
            }
        )
        cls.other = Partner.create(
            {"name": "Not yet", "parent_id": cls.customer.id, "birthday": date(1975, 7, 8)}
        )
        cls.holiday = cls.env["crm.customer.holiday"].create(
            {"name": "Dragon Boat Festival", "date": date(2026, 7, 7)}
        )

    def _remind(self):
        with freeze_time(TODAY):
            self.env["crm.customer.holiday"]._cron_care_reminders()

    def test_birthdays_memorable_dates_and_holidays_remind_the_owner_once(self):
        self._remind()
        self._remind()
        self.assertEqual(self.boss.activity_ids.summary, "Birthday of Zhou Jie on 2026-07-07")
        self.assertEqual(self.boss.activity_ids.user_id, self.rep)
        self.assertEqual(self.boss.activity_ids.date_deadline, date(2026, 7, 7))
        self.assertEqual(
            self.buyer.activity_ids.summary, "Wedding anniversary of Wu Fang on 2026-07-07"
        )
        self.assertFalse(self.other.activity_ids)
        greetings = self.holiday.activity_ids.filtered(lambda a: a.user_id == self.rep)
        self.assertEqual(len(greetings), 1)
        self.assertIn("Dragon Boat Festival", greetings.summary)

    def test_29_february_is_remembered_on_the_28th_in_other_years(self):
        Partner = self.env["res.partner"]
        leapling = Partner.create(
            {"name": "Lin Hao", "parent_id": self.customer.id, "birthday": date(1980, 2, 29)}
        )
        wed = Partner.create(
            {
                "name": "Ma Li",
                "parent_id": self.customer.id,
                "memorable_date": date(2004, 2, 29),
                "memorable_date_label": "Wedding anniversary",
            }
        )
        with freeze_time(date(2027, 2, 21)):  # reminders for 28 February 2027
            self.env["crm.customer.holiday"]._cron_care_reminders()
        self.assertEqual(leapling.activity_ids.summary, "Birthday of Lin Hao on 2027-02-28")
        self.assertEqual(leapling.activity_ids.date_deadline, date(2027, 2, 28))
        self.assertEqual(leapling.activity_ids.user_id, self.rep)
        self.assertEqual(wed.activity_ids.summary, "Wedding anniversary of Ma Li on 2027-02-28")
        self.assertEqual(wed.activity_ids.date_deadline, date(2027, 2, 28))
        (leapling | wed).activity_ids.unlink()
        with freeze_time(date(2028, 2, 21)):  # 28 February 2028: theirs is the next day
            self.env["crm.customer.holiday"]._cron_care_reminders()
        self.assertFalse((leapling | wed).activity_ids)
        with freeze_time(date(2028, 2, 22)):
            self.env["crm.customer.holiday"]._cron_care_reminders()
        self.assertEqual(leapling.activity_ids.summary, "Birthday of Lin Hao on 2028-02-29")
        self.assertEqual(leapling.activity_ids.date_deadline, date(2028, 2, 29))
        self.assertEqual(wed.activity_ids.date_deadline, date(2028, 2, 29))

    def test_reminder_days_follow_settings(self):
        self.env["ir.config_parameter"].set_param("crm_customer_mgmt.care_reminder_days", "8")
        self._remind()
        self.assertFalse(self.boss.activity_ids)
        self.assertTrue(self.other.activity_ids)

    def test_weekly_digest_per_rep(self):
        manager = new_test_user(
            self.env,
            login="digest_mgr",
            email="mgr@example.com",
            groups="crm_customer_mgmt.group_customer_mgmt_manager",
        )
        rule = self.env["crm.customer.warning.rule"].create(
            {"name": "Digest rule", "metric": "overdue_days", "threshold": 30}
        )
        Warning = self.env["crm.customer.warning"]
        common = {"rule_id": rule.id, "partner_id": self.customer.id, "user_id": self.rep.id}
        Warning.create({**common, "severity": "critical", "first_detected": date(2026, 6, 28)})
        Warning.create(
            {
                **common,
                "state": "resolved",
                "resolved_date": date(2026, 6, 29),
                "first_detected": date(2026, 5, 1),
            }
        )
        with freeze_time(TODAY):
            Warning._cron_send_digest()
        mail = self.env["mail.mail"].search([("email_to", "like", "mgr@example.com")])
        self.assertEqual(len(mail), 1)
        self.assertIn("2026-06-30", mail.subject)
        row = mail.body_html.split(self.rep.name)[1].split("</tr>")[0]
        cells = [cell.split(">")[-1] for cell in row.split("</td>")[1:9]]
        # critical, warning, info, new, resolved, stale, incomplete, moves
        self.assertEqual(cells[:5], ["1", "0", "0", "1", "1"])
        self.assertEqual(manager.email, "mgr@example.com")
