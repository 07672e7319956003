from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine.sale_policy import TermLine, fully_prepaid, longest_due_days, softer_terms
from .res_partner import USER_GROUP
from .tools import check_customers_access, created_values

PARTY_FIELDS = ("partner_id", "partner_invoice_id", "partner_shipping_id")
TERM_FIELDS = {"payment_term_id", "partner_id", "partner_invoice_id"}
DECISION_ACTIVITY = "crm_customer_mgmt.mail_activity_type_credit_decision"


def term_lines(term):
    """A payment term's lines as the engine compares them."""
    return [
        TermLine(
            line.delay_type,
            line.nb_days,
            int(line.days_next_month) if (line.days_next_month or "").isdigit() else 0,
        )
        for line in term.line_ids
    ]


class SaleOrder(models.Model):
    _inherit = "sale.order"

    customer_credit_grade_id = fields.Many2one(
        "crm.credit.grade",
        string="Customer Credit Grade",
        compute="_compute_credit_warning",
        groups=USER_GROUP,
    )
    credit_grade_warning = fields.Text(compute="_compute_credit_warning", groups=USER_GROUP)
    credit_confirm_blocked = fields.Boolean(
        string="Needs a Supervisor",
        compute="_compute_credit_confirm_blocked",
        groups=USER_GROUP,
        help="The credit grade of the customer, or of the invoice or delivery address, keeps "
        "the current user from confirming this quotation.",
    )

    @api.depends(*PARTY_FIELDS, "state")
    def _compute_credit_warning(self):
        for order in self:
            order.customer_credit_grade_id = (
                order.partner_id.commercial_partner_id.sudo()
                .with_company(order.company_id)
                .credit_grade_id
            )
            risky = order._credit_parties().filtered(
                lambda party: party.credit_blocks_orders or party.credit_grade_id.warn_on_quotation
            )
            quotation = order.state in ("draft", "sent")
            order.credit_grade_warning = (
                "\n\n".join(order._credit_grade_text(party) for party in risky)
                if risky and quotation
                else False
            )

    @api.depends(*PARTY_FIELDS, "state")
    @api.depends_context("uid")
    def _compute_credit_confirm_blocked(self):
        supervisor = self.env["res.users"]._acts_as_customer_supervisor()
        for order in self:
            order.credit_confirm_blocked = (
                not supervisor
                and order.state in ("draft", "sent")
                and bool(order._credit_blocking_parties())
            )

    @api.depends("partner_id")
    def _compute_payment_term_id(self):
        result = super()._compute_payment_term_id()
        for order in self:
            grade_term = order._credit_grade_payment_term()
            if grade_term and (
                not order.payment_term_id
                or softer_terms(term_lines(order.payment_term_id), term_lines(grade_term))
            ):
                order.payment_term_id = grade_term
        return result

    @api.model_create_multi
    def create(self, vals_list):
        self._check_party_access([created_values(self, vals) for vals in vals_list])
        orders = super().create(vals_list)
        orders.filtered(lambda order: order.state == "sale")._check_credit_grade()
        orders._check_payment_term_grade()
        return orders

    def write(self, vals):
        self._check_party_access([vals])
        # every path to a confirmed order writes its state: button, portal, RPC, copies
        confirming = self.browse()
        if vals.get("state") == "sale":
            confirming = self.filtered(lambda order: order.state != "sale")
        blocked_before = {}
        if set(PARTY_FIELDS) & vals.keys():
            blocked_before = {
                order: order._credit_blocking_parties()
                for order in self.filtered(lambda order: order.state == "sale")
            }
        result = super().write(vals)
        confirming._check_credit_grade()
        for order, blocked in blocked_before.items():
            order._check_credit_party_switch(blocked)
        if TERM_FIELDS & vals.keys():
            self._check_payment_term_grade()
        if "transaction_ids" in vals:  # a paid transaction linked by hand
            self.transaction_ids._check_credit_payment()
        return result

    def _check_party_access(self, vals_list):
        """Orders only for customers the user may read, whose name the order would show."""
        check_customers_access(
            self.env,
            {vals[name] for vals in vals_list for name in PARTY_FIELDS if vals.get(name)},
            "read",
            self.env._("You can only make orders for customers whose card you may read."),
        )

    def action_confirm(self):
        # the portal and payment flows confirm as the superuser: a blocked quotation that is
        # not paid in full waits for a supervisor instead of failing the customer's page
        held = self.browse()
        if self.env.su:
            held = self.filtered(
                lambda order: order.state in ("draft", "sent")
                and order._credit_blocking_parties()
                and not order._credit_prepaid()
            )
            for order in held:
                order._request_credit_decision(order._credit_held_note())
        return super(SaleOrder, self - held).action_confirm()

    def action_request_credit_override(self):
        """Ask a supervisor to confirm quotations that a credit block keeps the user from
        confirming; a quotation already waiting for a decision is not asked again."""
        asking = self.filtered(
            lambda order: order.state in ("draft", "sent")
            and order._credit_blocking_parties()
            and not order._credit_decision_activity()
        )
        note = self.env._(
            "%s asks a supervisor to confirm this quotation despite the customer's credit block.",
            self.env.user.name,
        )
        for order in asking:
            order._request_credit_decision(note)
        return True

    # Credit policy ----------------------------------------------------------------------

    def _credit_parties(self):
        """Commercial partners of the customer, invoice and delivery addresses, as the
        order's company grades them (sudo: their grades are internal)."""
        self.ensure_one()
        parties = self.partner_id | self.partner_invoice_id | self.partner_shipping_id
        return parties.commercial_partner_id.sudo().with_company(self.company_id)

    def _credit_blocking_parties(self):
        return self._credit_parties().filtered("credit_blocks_orders")

    def _credit_prepaid(self):
        """Paid in full by online transactions (done or authorized): the worst grades'
        policy, cash in advance, is kept."""
        return fully_prepaid(self.amount_total, self.amount_paid, self.currency_id.rounding)

    def _check_credit_grade(self):
        """Refuse confirming orders with a party whose grade blocks it, unless they are paid
        in full online or a supervisor does it."""
        blocked = self.filtered(lambda order: order._credit_blocking_parties())
        prepaid = blocked.filtered(lambda order: order._credit_prepaid())
        overridden = blocked - prepaid
        if overridden and not self.env["res.users"]._acts_as_customer_supervisor():
            raise UserError(overridden[0]._credit_block_refusal())
        blocked.activity_feedback([DECISION_ACTIVITY])
        prepaid._post_credit_note(
            self.env._("Confirmed as paid in full online despite the customer's credit block.")
        )
        overridden._post_credit_note(
            self.env._("Confirmed by %s despite the customer's credit block.", self.env.user.name)
        )

    def _check_credit_party_switch(self, blocked_before):
        """A confirmed order may only gain a blocked party by a supervisor's act."""
        added = self._credit_blocking_parties() - blocked_before
        if not added:
            return
        if not self.env["res.users"]._acts_as_customer_supervisor():
            raise UserError(
                self.env._(
                    "%(party)s cannot become the customer, invoice or delivery address of the"
                    " confirmed order %(order)s: its credit grade blocks orders. Only a"
                    " supervisor can make this change: %(supervisors)s.",
                    party=added[0].name,
                    order=self.name,
                    supervisors=self._credit_supervisor_names(),
                )
            )
        self._post_credit_note(
            self.env._(
                "%s changed a party of this confirmed order despite the customer's credit block.",
                self.env.user.name,
            )
        )

    def _credit_guarded_totals(self):
        """Totals of the confirmed orders that a blocked party keeps from growing, when the
        current user is no supervisor: a confirmed order must not carry more goods to a
        customer whose grade blocks new orders."""
        if self.env.su or self.env["res.users"]._acts_as_customer_supervisor():
            return {}
        return {
            order: order.amount_total
            for order in self
            if order.state == "sale" and order._credit_blocking_parties()
        }

    def _check_credit_growth(self, totals_before):
        for order, total in totals_before.items():
            if order.currency_id.compare_amounts(order.amount_total, total) > 0:
                raise UserError(
                    self.env._(
                        "The confirmed order %(order)s cannot grow: the credit grade of"
                        " %(party)s blocks orders. Only a supervisor can add to it:"
                        " %(supervisors)s.",
                        order=order.name,
                        party=order._credit_blocking_parties()[0].name,
                        supervisors=order._credit_supervisor_names(),
                    )
                )

    def _credit_held_note(self):
        if self.amount_paid:
            return self.env._(
                "An online payment was received that does not cover the whole order: it stays"
                " a quotation until a supervisor confirms it despite the customer's credit"
                " block."
            )
        return self.env._(
            "The customer accepted this quotation online: it stays a quotation until a"
            " supervisor confirms it despite the customer's credit block."
        )

    def _request_credit_decision(self, note):
        """Post an internal note and leave a supervisor one activity to decide."""
        self.ensure_one()
        if not self._credit_decision_activity():
            self.activity_schedule(
                DECISION_ACTIVITY,
                summary=self.env._("Confirm or cancel: the customer's credit is blocked"),
                user_id=self._credit_decision_maker().id,
            )
        self._post_credit_note(note)

    def _credit_decision_activity(self):
        return self.activity_ids.sudo().filtered(
            lambda activity: activity.activity_type_id == self.env.ref(DECISION_ACTIVITY)
        )

    def _credit_decision_maker(self):
        """The sales-team leader of the blocked customer's card owner when a supervisor,
        else the user in charge of unowned customers."""
        customer = self._credit_blocking_parties()[:1]
        leader = customer.card_owner_id.sale_team_id.user_id
        if leader and leader._is_customer_supervisor():
            return leader
        return self.env["res.partner"]._unowned_responsible()

    def _post_credit_note(self, body):
        for order in self:
            order.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _credit_supervisor_names(self):
        supervisors = (
            self.env.ref("crm_customer_mgmt.group_customer_mgmt_manager")
            .sudo()
            .all_user_ids.filtered(lambda user: user._is_customer_supervisor())
        )
        return ", ".join(supervisors.mapped("name")) or self.env._("none defined")

    def _credit_block_refusal(self):
        customer = self._credit_blocking_parties()[:1]
        return self.env._(
            "%(warning)s\nOnly a customer manager can confirm it: %(managers)s. Use"
            ' "Ask a supervisor to confirm" on the quotation to ask one.',
            warning=self._credit_grade_text(customer),
            managers=self._credit_supervisor_names(),
        )

    def _credit_grade_text(self, customer):
        grade = customer.credit_grade_id
        text = self.env._(
            "%(customer)s has credit grade %(grade)s (score %(score)s).",
            customer=customer.name,
            grade=grade.name,
            score=customer.credit_score,
        )
        if grade.block_order_confirmation:
            text += " " + self.env._("Confirming its orders is blocked for sales reps.")
        if grade.policy:
            text += "\n" + grade.policy
        if customer.credit_score_explanation:
            text += "\n" + customer.credit_score_explanation
        return text

    # Payment terms ----------------------------------------------------------------------

    def _credit_grade_payment_term(self):
        """The strictest terms that the grades of the customer and the invoiced company allow,
        if any grade sets terms usable in the order's company."""
        self.ensure_one()
        parties = (
            (self.partner_id | self.partner_invoice_id)
            .commercial_partner_id.sudo()
            .with_company(self.company_id)
        )
        terms = parties.credit_grade_id.payment_term_id.filtered(
            lambda term: not term.company_id or term.company_id == self.company_id
        )
        if not terms:
            return terms
        return min(terms, key=lambda term: longest_due_days(term_lines(term))).sudo(False)

    def _check_payment_term_grade(self):
        """Refuse terms longer than the grades allow, unless a supervisor sets them (not a
        constraint: those run as the superuser)."""
        if self.env["res.users"]._acts_as_customer_supervisor():
            return
        for order in self:
            grade_term = order._credit_grade_payment_term()
            if grade_term and softer_terms(
                term_lines(order.payment_term_id), term_lines(grade_term)
            ):
                raise ValidationError(order._softer_terms_refusal(grade_term))

    def _softer_terms_refusal(self, grade_term):
        return self.env._(
            "The payment terms %(terms)s give %(customer)s longer to pay than its credit"
            " policy allows (%(allowed)s at most). Only a supervisor can grant longer terms.",
            terms=self.payment_term_id.display_name or self.env._("(none)"),
            customer=self.partner_id.commercial_partner_id.display_name,
            allowed=grade_term.display_name,
        )
