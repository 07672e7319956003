from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .settings import (
    ABC_A,
    ABC_B,
    CARD_STALE_DAYS,
    CARE_DAYS,
    CLV_DISCOUNT,
    CLV_HORIZON,
    COMPLETENESS_CANDIDATES,
    COMPLETENESS_FIELDS,
    DEFAULT_RESPONSIBLE,
    FULL_PASS_DAYS,
    INTERRUPT_DAYS,
    PERIOD_DAYS,
    RANK_BASIS,
    TIER_KEY,
    TIER_ORDINARY,
    TIER_VIP,
    UNOWNED_RESPONSIBLE,
    get_setting,
)
from .tools import check_ranges

# Settings fields checked against the bounds of their setting
DAY_SETTINGS = {
    "card_stale_days": CARD_STALE_DAYS,
    "metrics_period_days": PERIOD_DAYS,
    "interrupt_after_days": INTERRUPT_DAYS,
    "care_reminder_days": CARE_DAYS,
    "full_pass_days": FULL_PASS_DAYS,
}
NUMBER_SETTINGS = {
    **DAY_SETTINGS,
    "abc_a_share": ABC_A,
    "abc_b_share": ABC_B,
    "tier_vip_share": TIER_VIP,
    "tier_key_share": TIER_KEY,
    "tier_ordinary_share": TIER_ORDINARY,
    "clv_discount_rate": CLV_DISCOUNT,
    "clv_horizon_years": CLV_HORIZON,
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    card_stale_days = fields.Integer(
        string="Card Review Interval (days)",
        config_parameter=CARD_STALE_DAYS.key,
        default=CARD_STALE_DAYS.default,
        help="A card not reviewed for longer than this is stale.",
    )
    card_completeness_field_ids = fields.Many2many(
        "ir.model.fields",
        string="Card Completeness Fields",
        domain=[("model", "=", "res.partner"), ("name", "in", COMPLETENESS_CANDIDATES)],
        help="The card fields whose filling makes a card complete.",
    )

    care_reminder_days = fields.Integer(
        string="Care Reminders (days ahead)",
        config_parameter=CARE_DAYS.key,
        default=CARE_DAYS.default,
        help="Card owners get an activity this many days before a key contact's birthday,"
        " a memorable date or a holiday.",
    )
    unowned_responsible_id = fields.Many2one(
        "res.users",
        string="Responsible for Unowned Customers",
        config_parameter=UNOWNED_RESPONSIBLE.key,
        default=lambda self: (
            self.env.ref(DEFAULT_RESPONSIBLE, raise_if_not_found=False) or self.env["res.users"]
        ).id,
        domain=[("share", "=", False)],
        help="Stage playbooks and warnings of customers with no card owner or salesperson"
        " schedule their activities for this user.",
    )
    metrics_period_days = fields.Integer(
        string="Metrics Period (days)",
        config_parameter=PERIOD_DAYS.key,
        default=PERIOD_DAYS.default,
        help="Frequency and sales are compared between this period and the one before it.",
    )
    full_pass_days = fields.Integer(
        string="Full Pass Every (days)",
        config_parameter=FULL_PASS_DAYS.key,
        default=FULL_PASS_DAYS.default,
        help="The nightly pass measures again only the customers whose records changed or"
        " whose windows moved; every this many days, on the first of each month and after"
        " a change of settings it measures them all.",
    )
    interrupt_after_days = fields.Integer(
        string="Interrupted After (days)",
        config_parameter=INTERRUPT_DAYS.key,
        default=INTERRUPT_DAYS.default,
        help="A customer with no invoice or confirmed order for this long is interrupted.",
    )
    abc_a_share = fields.Float(
        string="Class A up to (%)",
        config_parameter=ABC_A.key,
        default=ABC_A.default,
        help="Largest customers making this share of revenue are class A.",
    )
    abc_b_share = fields.Float(
        string="Class B up to (%)",
        config_parameter=ABC_B.key,
        default=ABC_B.default,
        help="Then class B up to this cumulative share; the rest are C.",
    )
    tier_vip_share = fields.Float(
        string="VIP (% of customers)", config_parameter=TIER_VIP.key, default=TIER_VIP.default
    )
    tier_key_share = fields.Float(
        string="Key (% of customers)", config_parameter=TIER_KEY.key, default=TIER_KEY.default
    )
    tier_ordinary_share = fields.Float(
        string="Ordinary (% of customers)",
        config_parameter=TIER_ORDINARY.key,
        default=TIER_ORDINARY.default,
    )

    rank_basis = fields.Selection(
        [("revenue", "Revenue"), ("margin", "Margin"), ("profit", "Profit")],
        string="Rank Customers By",
        config_parameter=RANK_BASIS.key,
        default=RANK_BASIS.default,
        help="What ABC classes and the customer pyramid rank by, over the last 12 months:"
        " revenue, margin (revenue less the cost of the goods) or profit (margin less the"
        " cost to serve).",
    )
    clv_discount_rate = fields.Float(
        string="Lifetime Value Discount Rate (%/year)",
        config_parameter=CLV_DISCOUNT.key,
        default=CLV_DISCOUNT.default,
        help="A year's margin to come is worth this much less than today's.",
    )
    clv_horizon_years = fields.Integer(
        string="Lifetime Value Horizon (years)",
        config_parameter=CLV_HORIZON.key,
        default=CLV_HORIZON.default,
        help="Future margin counts up to this many years ahead.",
    )

    @api.constrains("clv_discount_rate", "clv_horizon_years")
    def _check_clv_settings(self):
        check_ranges(
            self,
            {"clv_discount_rate": CLV_DISCOUNT.bounds, "clv_horizon_years": CLV_HORIZON.bounds},
        )

    @api.constrains(*DAY_SETTINGS)
    def _check_day_ranges(self):
        check_ranges(self, {name: setting.bounds for name, setting in DAY_SETTINGS.items()})

    @api.constrains("abc_a_share", "abc_b_share")
    def _check_abc_shares(self):
        for settings in self:
            if not 0 < settings.abc_a_share < settings.abc_b_share <= 100:
                raise ValidationError(
                    self.env._(
                        "ABC thresholds need 0 < A < B <= 100 %%, not A %(a)s %% and B %(b)s %%.",
                        a=settings.abc_a_share,
                        b=settings.abc_b_share,
                    )
                )

    @api.constrains("tier_vip_share", "tier_key_share", "tier_ordinary_share")
    def _check_tier_shares(self):
        for settings in self:
            shares = (
                settings.tier_vip_share,
                settings.tier_key_share,
                settings.tier_ordinary_share,
            )
            if min(shares) <= 0 or sum(shares) >= 100:
                raise ValidationError(
                    self.env._(
                        "Pyramid tiers need positive shares that leave room for small customers"
                        " (their sum below 100 %%), not %(vip)s + %(key)s + %(ordinary)s %%.",
                        vip=shares[0],
                        key=shares[1],
                        ordinary=shares[2],
                    )
                )

    @api.constrains("unowned_responsible_id")
    def _check_unowned_responsible(self):
        for settings in self:
            if settings.unowned_responsible_id.share:
                raise ValidationError(
                    self.env._(
                        "%s is not an internal user: activities of unowned customers need one.",
                        settings.unowned_responsible_id.name,
                    )
                )

    @api.constrains("card_completeness_field_ids")
    def _check_card_completeness_fields(self):
        for settings in self:
            if not settings.card_completeness_field_ids:
                raise ValidationError(
                    self.env._("Choose at least one field that makes a customer card complete.")
                )

    @api.model
    def get_values(self):
        res = super().get_values()
        # a bad stored value shows as its default, as the passes read it, not as 0
        res.update(
            {name: get_setting(self.env, setting) for name, setting in NUMBER_SETTINGS.items()}
        )
        # a bad stored choice would make the whole form fail to open
        res["rank_basis"] = get_setting(self.env, RANK_BASIS)
        names = self.env["res.partner"]._card_completeness_fields()
        res["card_completeness_field_ids"] = [
            fields.Command.set(self._completeness_field_records(names).ids)
        ]
        return res

    def set_values(self):
        res = super().set_values()
        chosen = self.card_completeness_field_ids.mapped("name")
        partners = self.env["res.partner"]
        if set(chosen) != set(partners._card_completeness_fields()):
            params = self.env["ir.config_parameter"].sudo()
            params.set_param(COMPLETENESS_FIELDS.key, ",".join(chosen))
            partners._recompute_card_completeness()
        return res

    def _completeness_field_records(self, names):
        return self.env["ir.model.fields"].search(
            [("model", "=", "res.partner"), ("name", "in", names)]
        )
