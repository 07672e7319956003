from collections import defaultdict
from datetime import timedelta
from textwrap import shorten

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_amount, format_date, format_datetime, html2plaintext

from ..engine import handover as handover_engine
from ..engine.contacts import LETTERS
from ..models.res_partner import USER_GROUP

# what the hand-over note recalls of each customer
CONTACT_DAYS = 180
LAST_CONTACTS = 5
NOTE_WIDTH = 120  # characters of a contact's note


def label(record, name):
    """The displayed label of ``record``'s selection field ``name``."""
    return dict(record._fields[name]._description_selection(record.env))[record[name]]


class CrmCustomerHandover(models.TransientModel):
    """A supervisor hands a rep's customers over to one rep or spreads them over several:
    salesperson, card owner, live warnings, pending activities and following move, each
    card gets a note of what the new rep should know, and the owner history keeps it."""

    _name = "crm.customer.handover"
    _description = "Customer Hand-over"

    from_user_id = fields.Many2one(
        "res.users",
        string="From Rep",
        required=True,
        domain=[("share", "=", False)],
        context={"active_test": False},
        default=lambda self: self._default_user_from(),
    )
    scope = fields.Selection(
        [("all", "All the rep's customers"), ("chosen", "Chosen customers")],
        required=True,
        default=lambda self: "chosen" if self._default_partners() else "all",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        domain=[("is_company", "=", True)],
        default=lambda self: self._default_partners(),
    )
    distribution = fields.Selection(
        [
            ("one", "To one rep"),
            (handover_engine.ROUND_ROBIN, "Spread over several reps, in turn"),
            (handover_engine.BALANCED, "Spread over several reps, fewest customers first"),
        ],
        required=True,
        default="one",
        help="In turn: the customers, by name, go to the reps, by name, one after the other."
        " Fewest customers first: each customer, by name, goes to the rep who then has the"
        " fewest customers as salesperson.",
    )
    to_user_id = fields.Many2one("res.users", string="To Rep", domain=[("share", "=", False)])
    to_user_ids = fields.Many2many("res.users", string="To Reps", domain=[("share", "=", False)])
    note = fields.Text(
        string="Reason", required=True, help="Why the customers move; kept in their history."
    )
    customer_count = fields.Integer(string="Customers Moving", compute="_compute_preview")
    warning_count = fields.Integer(string="Live Warnings", compute="_compute_preview")
    activity_count = fields.Integer(string="Pending Activities", compute="_compute_preview")
    order_count = fields.Integer(string="Pending Orders", compute="_compute_preview")
    allocation_text = fields.Text(string="Who Gets What", compute="_compute_preview")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:  # customers given without a scope are the chosen ones
            if vals.get("partner_ids") and "scope" not in vals:
                vals["scope"] = "chosen"
        return super().create(vals_list)

    @api.model
    def _default_partners(self):
        if self.env.context.get("active_model") == "res.partner":
            partners = self.env["res.partner"].browse(self.env.context.get("active_ids"))
            return partners.filtered("is_company")
        return self.env["res.partner"]

    @api.model
    def _default_user_from(self):
        """The chosen customers' one salesperson, else their one card owner."""
        partners = self._default_partners()
        for owners in (partners.user_id, partners.card_owner_id):
            if len(owners) == 1:
                return owners
        return self.env["res.users"]

    @api.depends(
        "from_user_id", "scope", "partner_ids", "distribution", "to_user_id", "to_user_ids"
    )
    def _compute_preview(self):
        for wizard in self:
            customers = wizard._customers() if wizard.from_user_id else self.env["res.partner"]
            warnings = wizard._live_warnings(customers)
            wizard.customer_count = len(customers)
            wizard.warning_count = len(warnings)
            wizard.activity_count = len(wizard._pending_activities(customers, warnings))
            wizard.order_count = len(wizard._pending_orders(customers))
            wizard.allocation_text = wizard._allocation_text(customers)

    # Actions ----------------------------------------------------------------------------

    def action_handover(self):
        """Hand the customers over; opens their owner changes."""
        self.ensure_one()
        self._check_supervisor()
        customers = self._customers()
        self._check_handover(customers)
        allocation = self._allocation(customers)
        when = fields.Datetime.now()
        warnings = self._live_warnings(customers)
        activities = self._pending_activities(customers, warnings)
        self._move_partners(allocation)
        self._move_records(warnings, allocation, lambda warning: warning.partner_id)
        self._move_records(
            activities.with_context(mail_activity_quick_update=True),
            allocation,
            self._activity_customer(warnings, activities),
        )
        self._move_followers(allocation)
        notes = self._notes(allocation, when)  # once moved: the new rep reads the customer
        batch = self._log_history(allocation, when)
        customers._message_log_batch(notes)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Owner Changes"),
            "res_model": "crm.customer.owner.history",
            "view_mode": "list",
            "domain": [("batch", "=", batch)],
        }

    # Checks -----------------------------------------------------------------------------

    def _check_supervisor(self):
        if not self.env["res.users"]._acts_as_customer_supervisor():
            raise AccessError(self.env._("Only customer supervisors can hand customers over."))

    def _check_handover(self, customers):
        old = self.from_user_id
        if not customers:
            raise UserError(self.env._("%s has no customers to hand over.", old.name))
        foreign = self.partner_ids._origin - customers if self.scope == "chosen" else None
        if foreign:
            raise UserError(
                self.env._(
                    "%(user)s is neither salesperson nor card owner of %(customers)s.",
                    user=old.name,
                    customers=", ".join(foreign.mapped("display_name")),
                )
            )
        targets = self._targets()
        if not targets:
            raise UserError(self.env._("Choose the rep or reps who take the customers over."))
        if old in targets:
            raise UserError(self.env._("%s cannot take over his or her own customers.", old.name))
        if inactive := targets.filtered(
            lambda user: not user.active or user.share or not user.has_group(USER_GROUP)
        ):
            raise UserError(
                self.env._(
                    "Customers go to active users of Customer Management only, not to %s.",
                    ", ".join(inactive.mapped("name")),
                )
            )
        for customer, target in self._allocation(customers).items():
            if customer.company_id and customer.company_id not in target.company_ids:
                raise UserError(
                    self.env._(
                        "%(user)s has no access to %(company)s, the company of %(customer)s.",
                        user=target.name,
                        company=customer.company_id.name,
                        customer=customer.display_name,
                    )
                )

    # What moves -------------------------------------------------------------------------

    @api.model
    def _owned_domain(self, users):
        """The customers ``users`` sell to or keep the card of."""
        return Domain("is_company", "=", True) & (
            Domain("user_id", "in", users.ids) | Domain("card_owner_id", "in", users.ids)
        )

    def _customers(self):
        """The customers handed over, by name: the chosen ones that are the from-rep's, or
        all of the from-rep's."""
        Partner = self.env["res.partner"]
        owned = self._owned_domain(self.from_user_id)
        if self.scope == "chosen":
            return self.partner_ids._origin.filtered_domain(owned).sorted(
                lambda partner: (partner.name or "", partner.id)
            )
        return Partner.search(owned, order="name, id")

    def _targets(self):
        if self.distribution == "one":
            return self.to_user_id._origin
        return self.to_user_ids._origin.sorted(lambda user: (user.name or "", user.id))

    def _allocation(self, customers):
        """Customer -> new rep."""
        targets = self._targets()
        if not targets:
            return {}
        loads = {}
        if self.distribution == handover_engine.BALANCED:
            groups = self.env["res.partner"]._read_group(
                Domain("is_company", "=", True) & Domain("user_id", "in", targets.ids),
                ["user_id"],
                ["__count"],
            )
            loads = {user.id: count for user, count in groups}
        allocation = handover_engine.allocate(customers.ids, targets.ids, self.distribution, loads)
        Users = self.env["res.users"]
        return {customers.browse(pid): Users.browse(uid) for pid, uid in allocation.items()}

    def _allocation_text(self, customers):
        counts = defaultdict(int)
        for user in self._allocation(customers).values():
            counts[user] += 1
        return "\n".join(
            self.env._("%(user)s: %(count)s customers", user=user.name, count=count)
            for user, count in counts.items()
        )

    def _live_warnings(self, customers):
        """The from-rep's live warnings on the customers, snoozed ones included."""
        Warning = self.env["crm.customer.warning"]
        if not customers:
            return Warning
        return Warning.search(
            Warning._live_domain(snoozed=True)
            & Domain("partner_id", "in", customers.ids)
            & Domain("user_id", "=", self.from_user_id.id)
        )

    def _pending_activities(self, customers, warnings):
        """The from-rep's activities on the customers, their contacts and their warnings."""
        Activity = self.env["mail.activity"]
        if not customers:
            return Activity
        people = self.env["res.partner"].search([("commercial_partner_id", "in", customers.ids)])
        return Activity.search(
            Domain("user_id", "=", self.from_user_id.id)
            & (
                (Domain("res_model", "=", "res.partner") & Domain("res_id", "in", people.ids))
                | (
                    Domain("res_model", "=", "crm.customer.warning")
                    & Domain("res_id", "in", warnings.ids)
                )
            )
        )

    def _pending_orders(self, customers):
        """Quotations and confirmed orders not fully invoiced of the customers. Read as the
        superuser: a supervisor may not have the sales rights, and only lists them."""
        if not customers:
            return self.env["sale.order"]
        return (
            self.env["sale.order"]
            .sudo()
            .search(
                Domain("partner_id", "child_of", customers.ids)
                & Domain("company_id", "in", self.env.companies.ids)
                & (
                    Domain("state", "in", ("draft", "sent"))
                    | (Domain("state", "=", "sale") & Domain("invoice_status", "!=", "invoiced"))
                ),
                order="date_order desc, id desc",
            )
        )

    def _activity_customer(self, warnings, activities):
        """The customer of an activity on a customer, one of its contacts or a warning."""
        warning_partner = {warning.id: warning.partner_id for warning in warnings}
        people = self.env["res.partner"].browse(
            activities.filtered(lambda a: a.res_model == "res.partner").mapped("res_id")
        )
        person_customer = {person.id: person.commercial_partner_id for person in people}

        def customer(activity):
            if activity.res_model == "crm.customer.warning":
                return warning_partner[activity.res_id]
            return person_customer[activity.res_id]

        return customer

    # Moves ------------------------------------------------------------------------------

    def _move_partners(self, allocation):
        """Salesperson and card owner, where they were the from-rep, on the customers and
        their contacts: one write per new rep and kept card owner. The card owner is always
        written, so that a new salesperson does not recompute another rep's card."""
        old = self.from_user_id
        people = self.env["res.partner"].search(
            Domain("commercial_partner_id", "in", [customer.id for customer in allocation])
            & (Domain("user_id", "=", old.id) | Domain("card_owner_id", "=", old.id))
        )
        groups = defaultdict(lambda: self.env["res.partner"])
        for person in people:
            target = allocation[person.commercial_partner_id]
            card_owner = target if person.card_owner_id == old else person.card_owner_id
            values = {"card_owner_id": card_owner.id}
            if person.user_id == old:
                values["user_id"] = target.id
            groups[tuple(sorted(values.items()))] |= person
        for values, persons in groups.items():
            persons.write(dict(values))

    @staticmethod
    def _move_records(records, allocation, customer_of):
        """Give ``records`` (with a ``user_id``) to their customer's new rep, one write per
        rep."""
        by_target = defaultdict(lambda: records.browse())
        for record in records:
            by_target[allocation[customer_of(record)]] |= record
        for target, group in by_target.items():
            group.write({"user_id": target.id})

    def _move_followers(self, allocation):
        old_partner = self.from_user_id.partner_id
        customers = self.env["res.partner"].union(*allocation)
        customers.message_unsubscribe(partner_ids=old_partner.ids)
        by_target = defaultdict(lambda: self.env["res.partner"])
        for customer, target in allocation.items():
            by_target[target] |= customer
        for target, group in by_target.items():
            group.message_subscribe(partner_ids=target.partner_id.ids)

    def _log_history(self, allocation, when):
        """One owner change per customer, written by the app only; returns the batch."""
        batch = f"HO-{self.id}"
        self.env["crm.customer.owner.history"].sudo().create(
            [
                {
                    "partner_id": customer.id,
                    "company_id": self.env.company.id,
                    "date": when,
                    "from_user_id": self.from_user_id.id,
                    "to_user_id": target.id,
                    "reason": self.note,
                    "handed_over_by_id": self.env.uid,
                    "batch": batch,
                }
                for customer, target in allocation.items()
            ]
        )
        return batch

    # The note ---------------------------------------------------------------------------

    def _notes(self, allocation, when):
        """Customer id -> the hand-over note on its card."""
        customers = self.env["res.partner"].union(*allocation)
        contacts = self._last_contacts(allocation)
        warnings = self.env["crm.customer.warning"].search(
            self.env["crm.customer.warning"]._live_domain(snoozed=True)
            & Domain("partner_id", "in", customers.ids)
        )
        orders = self._pending_orders(customers)
        warnings_by = warnings.grouped("partner_id")
        orders_by = orders.grouped(lambda order: order.partner_id.commercial_partner_id)
        return {
            customer.id: self._note(
                target,
                when,
                contacts.get(customer.id, []),
                warnings_by.get(customer, warnings.browse()),
                orders_by.get(customer, orders.browse()),
            )
            for customer, target in allocation.items()
        }

    def _note(self, target, when, contacts, warnings, orders):
        head = self.env._(
            "Handed over from %(old)s to %(new)s on %(when)s by %(by)s.",
            old=self.from_user_id.name,
            new=target.name,
            when=format_datetime(self.env, when),
            by=self.env.user.name,
        )
        contact_lines = [
            f"{format_date(self.env, day)} {LETTERS.get(kind, '?')}: {note}"
            for day, kind, note in contacts
        ]
        warning_lines = [
            f"{warning.rule_id.name} ({label(warning, 'severity')}): {warning.message or ''}"
            for warning in warnings
        ]
        order_lines = [self._order_line(order) for order in orders]
        return (
            Markup("<p><b>%s</b></p><p>%s</p>") % (head, self.env._("Reason: %s", self.note))
        ) + Markup("").join(
            [
                self._note_section(
                    self.env._("Last contacts (%s days)", CONTACT_DAYS),
                    contact_lines,
                    self.env._("No contact recorded."),
                ),
                self._note_section(
                    self.env._("Open warnings"), warning_lines, self.env._("None.")
                ),
                self._note_section(self.env._("Pending orders"), order_lines, self.env._("None.")),
            ]
        )

    def _order_line(self, order):
        state = label(order, "state")
        amount = format_amount(self.env, order.amount_total, order.currency_id)
        return f"{order.name} ({state}): {amount}"

    @staticmethod
    def _note_section(title, lines, empty):
        if not lines:
            return Markup("<p><b>%s</b> %s</p>") % (title, empty)
        items = Markup("").join(Markup("<li>%s</li>") % line for line in lines)
        return Markup("<p><b>%s</b></p><ul>%s</ul>") % (title, items)

    def _last_contacts(self, allocation):
        """Customer id -> its last contacts, newest first, as (date, kind, plain note); a
        note its new rep may not read (a private meeting, an email from a document out of
        his reach) is left out, as the note on the card is his to read."""
        today = fields.Date.context_today(self)
        customers = self.env["res.partner"].union(*allocation)
        Contact = self.env["crm.customer.contact"]
        events = Contact._contact_events(
            customers.ids, today - timedelta(days=CONTACT_DAYS), today
        )
        Contact._flush_sources()
        rows = self.env.execute_query_dict(
            SQL(
                """
            SELECT partner_id, date, kind, model, res_id, note FROM (
                   SELECT e.*, row_number() OVER (
                          PARTITION BY e.partner_id ORDER BY e.date DESC, e.model, e.res_id DESC
                          ) AS rank
                     FROM (%(events)s) e) ranked
             WHERE rank <= %(limit)s
             ORDER BY partner_id, rank
                """,
                events=events,
                limit=LAST_CONTACTS,
            )
        )
        target_of = {customer.id: target for customer, target in allocation.items()}
        by_target = defaultdict(list)
        for row in rows:
            by_target[target_of[row["partner_id"]]].append(row)
        hidden = set()
        for target, target_rows in by_target.items():
            hidden |= Contact.with_user(target)._unreadable(target_rows)
        contacts = defaultdict(list)
        for row in rows:
            note = "" if (row["model"], row["res_id"]) in hidden else row["note"]
            text = " ".join(html2plaintext(note or "").split())
            contacts[row["partner_id"]].append(
                (row["date"], row["kind"], shorten(text, NOTE_WIDTH, placeholder="…"))
            )
        return contacts
