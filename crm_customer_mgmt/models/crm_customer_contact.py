from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, models
from odoo.tools import SQL

from ..engine.contacts import EMAIL, MEETING

# notifications whose email did not reach the customer
FAILED_EMAIL = ("bounce", "exception", "canceled")


class CrmCustomerContact(models.AbstractModel):
    """What counts as a contact with a customer, read from the records Odoo already keeps:
    done activities of a type mapped to a contact kind, meetings in the calendar with one of
    the customer's people as attendee, and emails received from or sent to them. Each source
    is one SQL select of rows ``(partner_id, date, kind, model, res_id, note, user_id)``:
    the customer (commercial partner), the day, the kind, the record behind it, its note and
    the user who made it. Another addon adds sources by extending ``_contact_sources()``."""

    _name = "crm.customer.contact"
    _description = "Customer Contacts"

    @api.model
    def _contact_sources(self, ids, date_from, date_to, notes=True):
        """Source name -> SQL of the done contacts of customers ``ids`` (an SQL array, a
        list of ids, or None for every customer) from ``date_from`` (None: since ever) to
        ``date_to`` included; without ``notes``, their ``note`` is NULL (the measures need
        none, and reading the bodies of a million messages would cost more than the rest)."""
        moments = self._contact_moments(date_from, date_to)
        return {
            "activity": self._source_done_activities(ids, moments, notes),
            "meeting": self._source_meetings(ids, moments, notes),
            "email_in": self._source_emails_received(ids, moments, notes),
            "email_out": self._source_emails_sent(ids, moments, notes),
        }

    @api.model
    def _flush_sources(self):
        """Flush what the sources read, before they run."""
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        for model in (
            "mail.activity.type",
            "mail.activity",
            "mail.message",
            "mail.notification",
            "calendar.event",
            "calendar.attendee",
        ):
            self.env[model].flush_model()

    @api.model
    def _contact_events(self, ids, date_from, date_to, notes=True):
        """All the done contacts of customers ``ids`` between the dates, one row each."""
        sources = self._contact_sources(ids, date_from, date_to, notes)
        return SQL(" UNION ALL ").join(SQL("(%s)", source) for source in sources.values())

    @api.model
    def _unreadable(self, rows):
        """(model, id) of the rows (dicts with ``model`` and ``res_id``) whose record, and so
        note, this environment's user may not read: an email from a document out of reach,
        a colleague's private meeting, an activity on another rep's opportunity. The SQL
        sources read past record rules: whatever shows their notes filters them here."""
        hidden = set()
        by_model = defaultdict(set)
        for row in rows:
            by_model[row["model"]].add(row["res_id"])
        for model, ids in by_model.items():
            if model not in self.env:
                hidden.update((model, rid) for rid in ids)
                continue
            readable = self.env[model].browse(ids)._filtered_access("read")
            if model == "calendar.event":
                readable = readable.filtered(lambda ev: not ev._check_private_event_conditions())
            hidden.update((model, rid) for rid in ids - set(readable.ids))
        return hidden

    @staticmethod
    def _of_customers(ids):
        """SQL: the row's customer ``p`` is one of ``ids`` (None: any customer)."""
        if ids is None:
            return SQL("TRUE")
        return SQL("p.commercial_partner_id = ANY(%s)", ids)

    @staticmethod
    def _note(expression, notes):
        """The SQL of a source's ``note`` column: ``expression``, or NULL without notes."""
        return SQL(expression) if notes else SQL("NULL::text")

    @api.model
    def _contact_tz(self):
        """The time zone whose days the contacts fall on: the reader's (the context's), else
        the company's, else UTC; the nightly pass, without one, counts the company's days."""
        tz = self.env.context.get("tz") or self.env.company.partner_id.tz or "UTC"
        return tz if tz in pytz.all_timezones_set else "UTC"

    @api.model
    def _contact_moments(self, date_from, date_to):
        """The bounds, in UTC as Odoo stores timestamps, of the days from ``date_from`` (None:
        since ever) to ``date_to`` included in ``_contact_tz()``, and that time zone."""
        tz = self._contact_tz()
        zone = pytz.timezone(tz)

        def utc(day):
            moment = zone.localize(datetime.combine(day, time.min))
            return moment.astimezone(pytz.utc).replace(tzinfo=None)

        start = utc(date_from) if date_from else datetime(1970, 1, 1)
        return start, utc(date_to + timedelta(days=1)), tz

    @staticmethod
    def _local_day(column, moments):
        """SQL of the day of the UTC timestamp ``column`` in the moments' time zone."""
        return SQL("(%s AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", SQL(column), moments[2])

    def _source_done_activities(self, ids, moments, notes=True):
        return self._activity_messages(
            ids, moments, notes, "res.partner", SQL("JOIN res_partner p ON p.id = msg.res_id")
        )

    def _activity_messages(self, ids, moments, notes, model, customer_join, record=None):
        """Done activities of a contact type on records of ``model``, whose customer is the
        commercial partner of ``p``, the partner ``customer_join`` joins from ``msg``; the
        rows point to the message, or to ``record`` (SQL of a model name and an id)."""
        record_model, record_id = record or (SQL("'mail.message'"), SQL("msg.id"))
        return SQL(
            """SELECT p.commercial_partner_id AS partner_id, %(day)s AS date,
                      mat.crm_contact_kind AS kind, %(record_model)s AS model,
                      %(record_id)s AS res_id, %(note)s AS note, u.id AS user_id
                 FROM mail_message msg
                 JOIN mail_activity_type mat ON mat.id = msg.mail_activity_type_id
                 %(customer_join)s
            LEFT JOIN res_users u ON u.partner_id = msg.author_id
                WHERE msg.model = %(model)s
                  AND mat.crm_contact_kind IS NOT NULL
                  AND %(of_customers)s
                  AND msg.date >= %(start)s AND msg.date < %(end)s""",
            day=self._local_day("msg.date", moments),
            record_model=record_model,
            record_id=record_id,
            customer_join=customer_join,
            model=model,
            of_customers=self._of_customers(ids),
            note=self._note("msg.body::text", notes),
            start=moments[0],
            end=moments[1],
        )

    def _source_meetings(self, ids, moments, notes=True):
        """Meetings held: those planned ahead are in ``_planned_contacts()``."""
        held = SQL(
            "ev.start >= %s AND ev.start < LEAST(%s, now() AT TIME ZONE 'UTC')", *moments[:2]
        )
        return self._meetings(ids, held, moments, notes)

    def _meetings(self, ids, when, moments, notes=True):
        """Meetings ``when`` (SQL on ``ev``) with one of the customers' people, not declined."""
        return SQL(
            """SELECT DISTINCT ON (p.commercial_partner_id, ev.id)
                      p.commercial_partner_id AS partner_id, %(day)s AS date,
                      %(kind)s AS kind, 'calendar.event' AS model, ev.id AS res_id,
                      %(note)s AS note, ev.user_id AS user_id
                 FROM calendar_event ev
                 JOIN calendar_attendee att ON att.event_id = ev.id
                 JOIN res_partner p ON p.id = att.partner_id
                WHERE ev.active
                  AND att.state != 'declined'
                  AND %(of_customers)s
                  AND %(when)s""",
            kind=MEETING,
            of_customers=self._of_customers(ids),
            day=self._local_day("ev.start", moments),
            note=self._note("ev.name", notes),
            when=when,
        )

    def _source_emails_received(self, ids, moments, notes=True):
        return SQL(
            """SELECT p.commercial_partner_id AS partner_id, %(day)s AS date,
                      %(kind)s AS kind, 'mail.message' AS model, msg.id AS res_id,
                      %(note)s AS note, NULL::integer AS user_id
                 FROM mail_message msg
                 JOIN res_partner p ON p.id = msg.author_id
                WHERE msg.message_type = 'email'
                  AND %(of_customers)s
                  AND msg.date >= %(start)s AND msg.date < %(end)s""",
            kind=EMAIL,
            day=self._local_day("msg.date", moments),
            of_customers=self._of_customers(ids),
            note=self._note("msg.subject::text", notes),
            start=moments[0],
            end=moments[1],
        )

    def _source_emails_sent(self, ids, moments, notes=True):
        """Messages one of our users emailed to one of the customer's people (a notification
        by email that did not fail), from any document's chatter."""
        return SQL(
            """SELECT DISTINCT ON (p.commercial_partner_id, msg.id)
                      p.commercial_partner_id AS partner_id, %(day)s AS date,
                      %(kind)s AS kind, 'mail.message' AS model, msg.id AS res_id,
                      %(note)s AS note, u.id AS user_id
                 FROM mail_notification notif
                 JOIN mail_message msg ON msg.id = notif.mail_message_id
                 JOIN res_partner p ON p.id = notif.res_partner_id
                 JOIN res_users u ON u.partner_id = msg.author_id AND NOT u.share
                WHERE notif.notification_type = 'email'
                  AND msg.message_type IN ('comment', 'email_outgoing')
                  AND NOT COALESCE(msg.is_internal, FALSE)
                  AND notif.notification_status NOT IN %(failed)s
                  AND %(of_customers)s
                  AND msg.date >= %(start)s AND msg.date < %(end)s""",
            kind=EMAIL,
            day=self._local_day("msg.date", moments),
            failed=FAILED_EMAIL,
            of_customers=self._of_customers(ids),
            note=self._note("msg.subject::text", notes),
            start=moments[0],
            end=moments[1],
        )

    @api.model
    def _planned_contacts(self, ids, date_from, date_to):
        """Contacts planned for customers ``ids`` between the dates, rows as the sources'
        (``user_id`` who is to make it): pending activities of a contact type on the
        customer or its people, and meetings ahead with one of them."""
        moments = self._contact_moments(date_from, date_to)
        start, end = moments[:2]
        ahead = SQL(
            "ev.start >= GREATEST(%s, now() AT TIME ZONE 'UTC') AND ev.start < %s", start, end
        )
        return SQL(
            "(%s) UNION ALL (%s)",
            self._pending_activities(
                ids,
                date_from or start.date(),
                date_to,
                "res.partner",
                SQL("JOIN res_partner p ON p.id = act.res_id"),
            ),
            self._meetings(ids, ahead, moments),
        )

    def _pending_activities(self, ids, date_from, date_to, model, customer_join, where=None):
        """Pending activities of a contact type due between the dates on records of
        ``model``, whose customer is the commercial partner of ``p``, the partner
        ``customer_join`` joins from ``act``; ``where``, SQL of more conditions."""
        return SQL(
            """SELECT p.commercial_partner_id AS partner_id, act.date_deadline AS date,
                      mat.crm_contact_kind AS kind, 'mail.activity' AS model, act.id AS res_id,
                      COALESCE(act.summary, act.note::text) AS note, act.user_id AS user_id
                 FROM mail_activity act
                 JOIN mail_activity_type mat ON mat.id = act.activity_type_id
                 %(customer_join)s
                WHERE act.res_model = %(model)s
                  AND act.active
                  AND mat.crm_contact_kind IS NOT NULL
                  AND %(of_customers)s
                  AND act.date_deadline BETWEEN %(date_from)s AND %(date_to)s
                  %(where)s""",
            customer_join=customer_join,
            model=model,
            of_customers=self._of_customers(ids),
            date_from=date_from,
            date_to=date_to,
            where=SQL("AND %s", where) if where else SQL(),
        )
