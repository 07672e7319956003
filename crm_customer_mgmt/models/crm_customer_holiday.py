import calendar
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .settings import CARE_DAYS, get_setting


def schedule_once(record, summary, user, deadline):
    """One activity per record, summary and person, however often the cron runs."""
    if not user or record.activity_ids.filtered(
        lambda activity: activity.summary == summary and activity.user_id == user
    ):
        return
    record.activity_schedule(
        "mail.mail_activity_data_todo", date_deadline=deadline, summary=summary, user_id=user.id
    )


class CrmCustomerHoliday(models.Model):
    """A day to greet customers on; care reminders come this many days before it."""

    _name = "crm.customer.holiday"
    _description = "Customer Care Holiday"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date"

    name = fields.Char(required=True, translate=True)
    date = fields.Date(required=True)
    active = fields.Boolean(default=True)

    @api.model
    def _cron_care_reminders(self):
        """Activities for card owners ahead of contacts' birthdays, memorable dates, holidays."""
        ahead = fields.Date.context_today(self) + timedelta(days=get_setting(self.env, CARE_DAYS))
        self._remind_contacts(ahead)
        self._remind_holidays(ahead)

    def _remind_contacts(self, day):
        rows = self.env.execute_query(
            SQL(
                """
            WITH days AS (
                SELECT id, to_char(birthday, 'MM-DD') AS birthday,
                       to_char(memorable_date, 'MM-DD') AS memorable
                  FROM res_partner
                 WHERE active AND parent_id IS NOT NULL
                   AND (birthday IS NOT NULL OR memorable_date IS NOT NULL)
            )
            SELECT id, birthday = ANY(%(days)s) FROM days
             WHERE birthday = ANY(%(days)s) OR memorable = ANY(%(days)s)
            """,
                days=self._anniversaries_on(day),
            )
        )
        for contact_id, is_birthday in rows:
            contact = self.env["res.partner"].browse(contact_id)
            summary = (
                self.env._("Birthday of %(name)s on %(date)s", name=contact.name, date=day)
                if is_birthday
                else self.env._(
                    "%(what)s of %(name)s on %(date)s",
                    what=contact.memorable_date_label or self.env._("Memorable date"),
                    name=contact.name,
                    date=day,
                )
            )
            owner = (
                contact.commercial_partner_id.card_owner_id
                or contact.commercial_partner_id.user_id
            )
            schedule_once(contact, summary, owner, day)

    @api.model
    def _anniversaries_on(self, day):
        """The dates (MM-DD) celebrated on ``day``: 29 February falls on the 28th in the
        years without one."""
        days = [day.strftime("%m-%d")]
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            days.append("02-29")
        return days

    def _remind_holidays(self, day):
        owners = (
            self.env["res.partner"]
            .search([("is_company", "=", True), ("card_owner_id", "!=", False)])
            .card_owner_id
        )
        for holiday in self.search([("date", "=", day)]):
            summary = self.env._(
                "Greet your customers: %(holiday)s on %(date)s", holiday=holiday.name, date=day
            )
            for owner in owners:
                schedule_once(holiday, summary, owner, day)
