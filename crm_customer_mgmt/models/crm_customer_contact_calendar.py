import calendar
import re
import textwrap
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, html2plaintext

from ..engine.contacts import KIND_ORDER, LETTERS, NO_TIER_PRIORITY, TIER_PRIORITY
from .res_partner import USER_GROUP

MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CALENDAR_FILTERS = ("user_id", "value_tier", "stage_id")
CALENDAR_PAGE = 80  # customers per page
NOTE_LENGTH = 160  # characters of a note shown on hover


class CrmCustomerContact(models.AbstractModel):
    """The contact calendar (T/E/M table): customers down, the days of a month across, the
    contacts done and planned in each cell."""

    _inherit = "crm.customer.contact"

    @api.model
    @api.readonly
    def get_contact_calendar(self, month, filters=None, offset=0):
        """The calendar of ``month`` ("YYYY-MM") for the customers the user may read that
        match ``filters`` ({user_id, value_tier, stage_id}, each optional), one page of
        CALENDAR_PAGE customers from ``offset``: a dict ready for JSON."""
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(
                self.env._("Only Customer Management users see the contact calendar.")
            )
        first = self._calendar_month(month)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        filters = self._calendar_filters(filters)
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset < 2**31:
            raise UserError(self.env._("The page offset must be a positive whole number."))
        domain = self._calendar_domain(filters)
        total = self.env["res.partner"].search_count(domain)
        customers = self._calendar_customers(domain, offset)
        cells = self._calendar_cells(customers.ids, first, last)
        return {
            "month": first.strftime("%Y-%m"),
            "days": [
                {"day": day, "weekday": first.replace(day=day).weekday()}
                for day in range(1, last.day + 1)
            ],
            "today": fields.Date.to_string(fields.Date.context_today(self)),
            "customers": [self._calendar_customer(partner, cells) for partner in customers],
            "total": total,
            "offset": offset,
            "limit": CALENDAR_PAGE,
            "filters": filters,
            "options": self._calendar_options(),
        }

    # Inputs --------------------------------------------------------------------------------

    @api.model
    def _calendar_month(self, month):
        """The first day of ``month`` ("YYYY-MM"); a UserError for anything else."""
        match = MONTH_PATTERN.match(month) if isinstance(month, str) else None
        if not match or not 1900 <= int(match.group(1)) <= 9998:
            raise UserError(
                self.env._("The month must read YYYY-MM, e.g. 2025-03, not %r.", month)
            )
        return date(int(match.group(1)), int(match.group(2)), 1)

    @api.model
    def _calendar_filters(self, filters):
        """The filters checked: known keys, ids as positive integers, a known value tier."""
        filters = filters or {}
        if not isinstance(filters, dict) or set(filters) - set(CALENDAR_FILTERS):
            raise UserError(
                self.env._("The calendar filters by %s only.", ", ".join(CALENDAR_FILTERS))
            )
        clean = {}
        for key in ("user_id", "stage_id"):
            value = filters.get(key)
            if value in (None, False):
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise UserError(
                    self.env._(
                        "The filter %(key)s needs an id, not %(value)r.", key=key, value=value
                    )
                )
            clean[key] = value
        tier = filters.get("value_tier")
        if tier not in (None, False) and not isinstance(tier, str):
            raise UserError(self.env._("Unknown value tier %r.", tier))
        if tier not in (None, False):
            tiers = dict(self.env["res.partner"]._fields["value_tier"].selection)
            if tier not in tiers:
                raise UserError(self.env._("Unknown value tier %r.", tier))
            clean["value_tier"] = tier
        return clean

    @api.model
    def _calendar_domain(self, filters):
        """Customers as the card menu lists them, narrowed by the filters; the user's record
        rules apply on top (a rep: own and unassigned customers)."""
        domain = Domain("is_company", "=", True) & (
            Domain("customer_rank", ">", 0) | Domain("customer_type", "!=", False)
        )
        if "user_id" in filters:
            domain &= Domain("user_id", "=", filters["user_id"]) | Domain(
                "card_owner_id", "=", filters["user_id"]
            )
        if "value_tier" in filters:
            domain &= Domain("value_tier", "=", filters["value_tier"])
        if "stage_id" in filters:
            domain &= Domain("customer_stage_id", "=", filters["stage_id"])
        return domain

    @api.model
    def _calendar_customers(self, domain, offset):
        """One page of the customers of ``domain``, by value tier (VIP first) then name."""
        Partner = self.env["res.partner"]
        query = Partner._search(domain)
        tier = Partner._field_to_sql(query.table, "value_tier", query)
        ranks = SQL(" ").join(
            SQL("WHEN %s THEN %s", name, rank) for name, rank in TIER_PRIORITY.items()
        )
        query.order = SQL(
            "CASE %s %s ELSE %s END, %s, %s",
            tier,
            ranks,
            NO_TIER_PRIORITY,
            Partner._field_to_sql(query.table, "name", query),
            SQL.identifier(query.table, "id"),
        )
        query.limit, query.offset = CALENDAR_PAGE, offset
        return Partner.browse(query.get_result_ids())

    # Contents ------------------------------------------------------------------------------

    @api.model
    def _calendar_rows(self, ids, first, last):
        """The done and the planned contacts of customers ``ids`` in the month, one SQL."""
        self._flush_sources()
        return self.env.execute_query_dict(
            SQL(
                """SELECT partner_id, date, kind, model, res_id, note, FALSE AS planned
                     FROM (%(done)s) done
                UNION ALL
                   SELECT partner_id, date, kind, model, res_id, note, TRUE
                     FROM (%(planned)s) planned""",
                done=self._contact_events(ids, first, last),
                planned=self._planned_contacts(ids, first, last),
            )
        )

    @api.model
    def _calendar_cells(self, ids, first, last):
        """Customer id -> day of month (as a string, a JSON key) -> its entries, done first,
        then by kind (meeting, phone, email)."""
        if not ids:
            return {}
        rows = self._calendar_rows(ids, first, last)
        hidden = self._unreadable(rows)
        cells = {}
        for row in rows:
            note = "" if (row["model"], row["res_id"]) in hidden else row["note"]
            entry = {
                "kind": row["kind"],
                "letter": LETTERS[row["kind"]],
                "note": self._calendar_note(note),
                "model": row["model"],
                "res_id": row["res_id"],
                "planned": row["planned"],
            }
            day = cells.setdefault(row["partner_id"], {}).setdefault(str(row["date"].day), [])
            day.append(entry)
        for days in cells.values():
            for entries in days.values():
                entries.sort(key=lambda e: (e["planned"], KIND_ORDER[e["kind"]], e["res_id"]))
        return cells

    @staticmethod
    def _calendar_note(note):
        """A note as plain text on one line, shortened for a tooltip."""
        text = html2plaintext(note) if note and note.lstrip().startswith("<") else note or ""
        return textwrap.shorten(" ".join(text.split()), NOTE_LENGTH, placeholder=" …")

    @api.model
    def _calendar_customer(self, partner, cells):
        return {
            "id": partner.id,
            "name": partner.display_name,
            "value_tier": partner.value_tier or False,
            "stage": partner.customer_stage_id.display_name or False,
            "user": partner.user_id.display_name or False,
            "days": cells.get(partner.id, {}),
        }

    @api.model
    def _calendar_options(self):
        """The choices of the filters: the reps, the value tiers, the stages."""
        group = self.env.ref(USER_GROUP)
        reps = self.env["res.users"].search(
            [("all_group_ids", "in", group.ids), ("share", "=", False)], order="name"
        )
        stages = self.env["crm.customer.stage"].search([("active", "=", True)])
        return {
            "users": [[user.id, user.display_name] for user in reps],
            "value_tiers": [
                list(pair)
                for pair in self.env["res.partner"]
                ._fields["value_tier"]
                ._description_selection(self.env)
            ],
            "stages": [[stage.id, stage.display_name] for stage in stages],
        }
