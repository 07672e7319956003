from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Domain

from ..engine import card as card_engine
from .settings import (
    CARD_STALE_DAYS,
    COMPLETENESS_CANDIDATES,
    COMPLETENESS_FIELDS,
    DEFAULT_RESPONSIBLE,
    UNOWNED_RESPONSIBLE,
    get_setting,
)
from .tools import check_ranges, owned_writer

USER_GROUP = "crm_customer_mgmt.group_customer_mgmt_user"
MANAGER_GROUP = "crm_customer_mgmt.group_customer_mgmt_manager"

# What a rep may read of res.partner (the rule res_partner_rule_customer_mgmt_user holds this
# text; the tests check that it does). A managed customer is a commercial partner that is not
# an internal user's partner, nor one of the user's companies, nor a vendor only: of those, a
# rep reads the ones he or she sells to or keeps the card of, and the unassigned ones. Every
# other partner (colleagues, the company, vendors) stays readable, as the chatter, followers,
# mentions and quotations need.
REP_PARTNER_RULE_DOMAIN = (
    "['|', '|', '|', '|', '|',"
    " ('commercial_partner_id.partner_share', '=', False),"
    " ('commercial_partner_id', 'in', user.company_ids.partner_id.ids),"
    " '&', ('commercial_partner_id.supplier_rank', '>', 0),"
    " ('commercial_partner_id.customer_rank', '=', 0),"
    " ('commercial_partner_id.user_id', '=', user.id),"
    " ('commercial_partner_id.card_owner_id', '=', user.id),"
    " '&', ('commercial_partner_id.user_id', '=', False),"
    " ('commercial_partner_id.card_owner_id', '=', False)]"
)

# Places in the customer pyramid (客户金字塔), from the top; the stage history and the churn
# analysis keep a customer's place at the time.
VALUE_TIERS = [("vip", "VIP"), ("key", "Key"), ("ordinary", "Ordinary"), ("small", "Small")]

# (minimum, maximum) accepted for the card's numeric fields.
CARD_RANGES = {
    "liquid_asset_ratio": (0, 100),
    "net_profit_margin": (-100, 100),
    "return_on_assets": (-100, 100),
    "collection_cycle_days": (0, 3650),
    "inventory_cycle_days": (0, 3650),
    "sales_staff_count": (0, 1000000),
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Classification
    customer_type = fields.Selection(
        [("potential", "Potential"), ("one_time", "One-time"), ("loyal", "Loyal")],
        tracking=True,
        groups=USER_GROUP,
    )
    loyalty_attitude = fields.Selection(
        [
            ("loyal", "Loyal to our brand"),
            ("switcher", "Brand switcher"),
            ("no_loyalty", "No brand loyalty"),
        ],
        string="Attitude to Our Products",
        tracking=True,
        groups=USER_GROUP,
    )
    abc_class = fields.Selection(
        [("A", "A: large"), ("B", "B: ordinary"), ("C", "C: small")],
        string="ABC Class",
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="Class by revenue rank, set by the metrics pass.",
    )
    value_tier = fields.Selection(
        VALUE_TIERS,
        company_dependent=True,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="Place in the customer pyramid by value, set by the metrics pass.",
    )
    card_owner_id = fields.Many2one(
        "res.users",
        compute="_compute_card_owner_id",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        groups=USER_GROUP,
        domain=[("share", "=", False)],
        help="Who keeps this card up to date; follows the salesperson unless set otherwise.",
    )
    card_review_date = fields.Date(tracking=True, copy=False, readonly=True, groups=USER_GROUP)
    card_reviewer_id = fields.Many2one("res.users", readonly=True, copy=False, groups=USER_GROUP)
    card_is_stale = fields.Boolean(
        string="Stale Card",
        compute="_compute_card_is_stale",
        search="_search_card_is_stale",
        help="Never reviewed, or reviewed longer ago than Settings allow.",
    )
    card_completeness = fields.Integer(
        compute="_compute_card_completeness",
        store=True,
        aggregator="avg",
        groups=USER_GROUP,
        help="Share of the card fields chosen in Settings that are filled.",
    )
    customer_evaluation_ids = fields.One2many(
        "crm.customer.evaluation", "partner_id", string="Evaluation", groups=USER_GROUP
    )
    evaluation_score = fields.Float(
        compute="_compute_evaluation_score",
        store=True,
        digits=(5, 2),
        aggregator="avg",
        groups=USER_GROUP,
        help="Weighted mean of the scored criteria; unscored criteria are left out.",
    )
    evaluation_missing = fields.Char(
        string="Unscored Criteria",
        compute="_compute_evaluation_missing",
        groups=USER_GROUP,
    )

    # Business and finance
    liquid_asset_ratio = fields.Float(
        string="Liquid Asset Ratio (%)", digits=(5, 2), tracking=True, groups=USER_GROUP
    )
    net_profit_margin = fields.Float(
        string="Net Profit Margin (%)", digits=(5, 2), tracking=True, groups=USER_GROUP
    )
    return_on_assets = fields.Float(
        string="Return on Assets (%)", digits=(5, 2), tracking=True, groups=USER_GROUP
    )
    collection_cycle_days = fields.Integer(
        string="Collection Cycle (days)", tracking=True, groups=USER_GROUP
    )
    inventory_cycle_days = fields.Integer(string="Inventory Cycle (days)", groups=USER_GROUP)
    sales_staff_count = fields.Integer(string="Sales Staff", groups=USER_GROUP)
    main_brands = fields.Char(string="Main Brands Carried", groups=USER_GROUP)
    distribution_network = fields.Text(groups=USER_GROUP)
    trading_habits = fields.Text(
        groups=USER_GROUP,
        help="How this customer buys and pays: order rhythm, volumes, terms, who signs.",
    )

    # Key person profile, on contacts
    buying_role = fields.Selection(
        [
            ("decision_maker", "Decision maker"),
            ("influencer", "Influencer"),
            ("user", "User"),
            ("gatekeeper", "Gatekeeper"),
            ("insider", "Inside contact"),
        ],
        tracking=True,
        groups=USER_GROUP,
    )
    birthday = fields.Date(groups=USER_GROUP)
    native_place = fields.Char(groups=USER_GROUP)
    interests = fields.Text(groups=USER_GROUP)
    personality = fields.Text(string="Personality and Working Style", groups=USER_GROUP)
    family_note = fields.Text(string="Family", groups=USER_GROUP)
    authority_note = fields.Text(string="Authority", groups=USER_GROUP)
    joined_company_date = fields.Date(string="Joined the Company", groups=USER_GROUP)
    memorable_date = fields.Date(groups=USER_GROUP, help="Reminded every year, like a birthday.")
    memorable_date_label = fields.Char(
        string="Memorable Date Is", groups=USER_GROUP, help="e.g. Wedding anniversary"
    )

    @api.depends("user_id")
    def _compute_card_owner_id(self):
        for partner in self:
            partner.card_owner_id = partner.user_id or partner.card_owner_id

    @api.depends("is_company", "card_review_date")
    def _compute_card_is_stale(self):
        limit = card_engine.stale_before(fields.Date.context_today(self), self._card_stale_days())
        for partner in self:
            review = partner.sudo().card_review_date  # readable to whoever sees the flag
            partner.card_is_stale = partner.is_company and (not review or review < limit)

    def _search_card_is_stale(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        limit = card_engine.stale_before(fields.Date.context_today(self), self._card_stale_days())
        stale = Domain("is_company", "=", True) & (
            Domain("card_review_date", "=", False) | Domain("card_review_date", "<", limit)
        )
        return stale if (operator == "in") == (True in value) else ~stale

    @api.depends(lambda self: ("is_company", *COMPLETENESS_CANDIDATES))
    def _compute_card_completeness(self):
        names = self._card_completeness_fields()
        for partner in self:
            if partner.is_company:
                values = {name: partner[name] for name in names}
                partner.card_completeness = card_engine.completeness(values, names)
            else:
                partner.card_completeness = 0

    @api.depends(
        "customer_evaluation_ids.score",
        "customer_evaluation_ids.scored",
        "customer_evaluation_ids.criterion_id.weight",
        "customer_evaluation_ids.criterion_id.active",
    )
    def _compute_evaluation_score(self):
        for partner in self:
            lines = partner.customer_evaluation_ids.filtered(lambda line: line.criterion_id.active)
            score = card_engine.weighted_score(
                (line.criterion_id.weight, line.score if line.scored else None) for line in lines
            )
            partner.evaluation_score = score or 0.0

    @api.depends("customer_evaluation_ids.scored", "customer_evaluation_ids.criterion_id")
    def _compute_evaluation_missing(self):
        criteria = self.env["crm.customer.evaluation.criterion"].search([("active", "=", True)])
        for partner in self:
            scored = partner.customer_evaluation_ids.filtered("scored").criterion_id
            partner.evaluation_missing = ", ".join((criteria - scored).mapped("name"))

    @api.constrains(*CARD_RANGES)
    def _check_card_ranges(self):
        check_ranges(self, CARD_RANGES)

    @api.constrains("card_review_date", "birthday", "joined_company_date")
    def _check_card_dates(self):
        today = fields.Date.context_today(self)
        for partner in self:
            for name in ("card_review_date", "birthday", "joined_company_date"):
                if partner[name] and partner[name] > today:
                    raise ValidationError(
                        self.env._(
                            "%(field)s of %(partner)s cannot be in the future (%(date)s).",
                            field=self._fields[name].get_description(self.env)["string"],
                            partner=partner.display_name,
                            date=partner[name],
                        )
                    )

    def action_mark_card_reviewed(self):
        """Record that the card was checked today by the current user; a supervisor's review
        also approves the evaluation scores the card's rep entered."""
        today = fields.Date.context_today(self)
        for partner in self:
            owned_writer(partner).write(
                {"card_review_date": today, "card_reviewer_id": self.env.uid}
            )
            if self.env["res.users"]._acts_as_customer_supervisor():
                partner.customer_evaluation_ids._approve()
            partner.message_post(
                body=self.env._("Customer card reviewed by %s.", self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_approve_evaluation(self):
        """A supervisor approves the evaluation scores on these cards: from now on they count
        toward the credit grade."""
        if not self.env["res.users"]._acts_as_customer_supervisor():
            raise AccessError(
                self.env._("Only customer supervisors can approve evaluation scores.")
            )
        approved = self.customer_evaluation_ids._approve()
        for partner, lines in approved.grouped("partner_id").items():
            partner.message_post(
                body=self.env._(
                    "%(count)s evaluation scores approved by %(user)s.",
                    count=len(lines),
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    @api.model
    def _card_stale_days(self):
        return get_setting(self.env, CARD_STALE_DAYS)

    @api.model
    def _unowned_responsible(self):
        """Who gets the activities of customers with no card owner or salesperson: the user
        chosen in Settings (the administrator by default), else the current user."""
        user_id = get_setting(self.env, UNOWNED_RESPONSIBLE)
        users = self.env["res.users"]
        if user_id:
            user = users.browse(user_id)
        else:
            user = self.env.ref(DEFAULT_RESPONSIBLE, raise_if_not_found=False) or users
        return user.sudo().exists().filtered("active").with_env(self.env) or self.env.user

    @api.model
    def _card_completeness_fields(self):
        """Card fields counted in completeness, as chosen in Settings."""
        return list(get_setting(self.env, COMPLETENESS_FIELDS))

    def _recompute_card_completeness(self):
        companies = self.with_context(active_test=False).search([("is_company", "=", True)])
        self.env.add_to_compute(self._fields["card_completeness"], companies)
        companies.flush_recordset(["card_completeness"])
