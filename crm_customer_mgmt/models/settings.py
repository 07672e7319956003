"""The addon's settings, declared once: ``ir.config_parameter`` key, default, parsing and
bounds. Settings, the passes and the ``ir.config_parameter`` guard all read them from here;
``get_setting`` is the one reader."""

import json
import logging
from datetime import date
from typing import Any, NamedTuple

_logger = logging.getLogger(__name__)

# Fields an admin may count in a card's completeness; Settings picks among these.
COMPLETENESS_CANDIDATES = (
    "phone",
    "email",
    "street",
    "city",
    "country_id",
    "vat",
    "website",
    "industry_id",
    "user_id",
    "customer_type",
    "loyalty_attitude",
    "card_owner_id",
    "liquid_asset_ratio",
    "net_profit_margin",
    "return_on_assets",
    "collection_cycle_days",
    "inventory_cycle_days",
    "sales_staff_count",
    "main_brands",
    "distribution_network",
    "trading_habits",
    "customer_evaluation_ids",
    "child_ids",
)
DEFAULT_COMPLETENESS_FIELDS = (
    "phone",
    "email",
    "street",
    "city",
    "industry_id",
    "user_id",
    "customer_type",
    "loyalty_attitude",
    "liquid_asset_ratio",
    "collection_cycle_days",
    "trading_habits",
    "customer_evaluation_ids",
    "child_ids",
)
DEFAULT_RESPONSIBLE = "base.user_admin"  # xml id of the user when none is set


def _field_list(raw):
    names = [name.strip() for name in raw.split(",")]
    unknown = [name for name in names if name not in COMPLETENESS_CANDIDATES]
    if unknown or not names:
        raise ValueError(", ".join(unknown))
    return names


RANK_BASES = ("revenue", "margin", "profit")


def _rank_basis(raw):
    if raw not in RANK_BASES:
        raise ValueError(raw)
    return raw


def _churn_rates(raw):
    """``{"month": "<its first day>", "rates": {tier: percent}}``, as (month text, rates)."""
    try:
        kept = json.loads(raw)
        month, rates = kept["month"], {str(t): float(r) for t, r in kept["rates"].items()}
        date.fromisoformat(month)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(raw) from error
    if not all(0 <= rate <= 100 for rate in rates.values()):
        raise ValueError(raw)
    return month, rates


def _mark(raw):
    """The JSON of what the last pass saw (see ``engine.incremental.Mark``) and when the
    day's pass started, as a dict."""
    try:
        mark = json.loads(raw)
        for key in ("day", "full_day", "started_day"):
            if key in mark:
                date.fromisoformat(mark[key])
        complete = "day" not in mark or {"since", "config", "full_day"} <= mark.keys()
    except (TypeError, AttributeError) as error:
        raise ValueError(raw) from error
    if not complete:
        raise ValueError(raw)
    return mark


def _cursor(raw):
    """``<date>:<last partner id>`` or ``<date>:done``, as (date text, last)."""
    day, _sep, last = raw.partition(":")
    date.fromisoformat(day)
    if last != "done":
        int(last)
    return day, last


class Setting(NamedTuple):
    key: str
    default: Any
    parse: Any  # text -> value; raises ValueError on a bad value
    low: float | None = None
    high: float | None = None
    kind: str = "number"  # what the error message says a good value is
    per_company: bool = False  # stored under ``<key>.<company id>``, one value per company

    def value_of(self, raw):
        """The value stored as ``raw``; raises ValueError when it does not parse or lies
        outside the bounds."""
        value = self.parse(raw.strip())
        if self.low is not None and not self.low <= value <= self.high:
            raise ValueError(value)
        return value

    @property
    def bounds(self):
        return self.low, self.high

    def key_in(self, env):
        """The parameter's key in ``env``'s company."""
        return f"{self.key}.{env.company.id}" if self.per_company else self.key


CARD_STALE_DAYS = Setting("crm_customer_mgmt.card_stale_days", 90, int, 1, 3650, "integer")
CARE_DAYS = Setting("crm_customer_mgmt.care_reminder_days", 7, int, 0, 60, "integer")
PERIOD_DAYS = Setting("crm_customer_mgmt.metrics_period_days", 90, int, 7, 366, "integer")
INTERRUPT_DAYS = Setting("crm_customer_mgmt.interrupt_after_days", 180, int, 1, 3650, "integer")
ABC_A = Setting("crm_customer_mgmt.abc_a_share", 80.0, float, 0, 100)
ABC_B = Setting("crm_customer_mgmt.abc_b_share", 95.0, float, 0, 100)
TIER_VIP = Setting("crm_customer_mgmt.tier_vip_share", 1.0, float, 0, 100)
TIER_KEY = Setting("crm_customer_mgmt.tier_key_share", 4.0, float, 0, 100)
TIER_ORDINARY = Setting("crm_customer_mgmt.tier_ordinary_share", 15.0, float, 0, 100)
# what ABC and the pyramid rank customers by: 12-month revenue, margin or profit
RANK_BASIS = Setting("crm_customer_mgmt.rank_basis", "revenue", _rank_basis, kind="choice")
CLV_DISCOUNT = Setting("crm_customer_mgmt.clv_discount_rate", 10.0, float, 0, 100)
CLV_HORIZON = Setting("crm_customer_mgmt.clv_horizon_years", 10, int, 1, 50, "integer")
UNOWNED_RESPONSIBLE = Setting(
    "crm_customer_mgmt.unowned_responsible_id", None, int, 1, 2**31 - 1, "record"
)
COMPLETENESS_FIELDS = Setting(
    "crm_customer_mgmt.card_completeness_fields",
    list(DEFAULT_COMPLETENESS_FIELDS),
    _field_list,
    kind="fields",
)
FULL_PASS_DAYS = Setting("crm_customer_mgmt.full_pass_days", 7, int, 1, 28, "integer")
# the pass's own bookmark in each company, guarded like a setting: a bad one restarts the
# day's pass
METRICS_CURSOR = Setting(
    "crm_customer_mgmt.metrics_cursor", ("", ""), _cursor, kind="cursor", per_company=True
)

# what the last pass of each company saw, for the next one to measure only what moved since;
# a bad one makes the next pass a full one
METRICS_MARK = Setting(
    "crm_customer_mgmt.metrics_mark", None, _mark, kind="mark", per_company=True
)

# the tiers' churn rates the nightly pass worked out this month, for the lifetime values of
# its batches and of the day's Refreshes; a bad one is worked out again
TIER_CHURN_RATES = Setting(
    "crm_customer_mgmt.tier_churn_rates", None, _churn_rates, kind="rates", per_company=True
)

SETTINGS = {
    setting.key: setting
    for setting in (
        CARD_STALE_DAYS,
        CARE_DAYS,
        PERIOD_DAYS,
        INTERRUPT_DAYS,
        ABC_A,
        ABC_B,
        TIER_VIP,
        TIER_KEY,
        TIER_ORDINARY,
        RANK_BASIS,
        CLV_DISCOUNT,
        CLV_HORIZON,
        UNOWNED_RESPONSIBLE,
        COMPLETENESS_FIELDS,
        FULL_PASS_DAYS,
        METRICS_CURSOR,
        METRICS_MARK,
        TIER_CHURN_RATES,
    )
}

_warned = set()  # (database, key, value) already reported as unreadable


def setting_of_key(key):
    """The setting stored under the parameter ``key``, if any."""
    if setting := SETTINGS.get(key):
        return setting
    base, _sep, company = (key or "").rpartition(".")
    setting = SETTINGS.get(base)
    return setting if setting and setting.per_company and company.isdigit() else None


def get_setting(env, setting):
    """The value of ``setting``; its default when unset, or when the stored value is bad
    (logged once per value and process: a bad value never stops a pass)."""
    key = setting.key_in(env)
    raw = env["ir.config_parameter"].sudo().get_param(key)
    if not raw:
        return setting.default
    try:
        return setting.value_of(raw)
    except ValueError:
        if (env.cr.dbname, key, raw) not in _warned:
            _warned.add((env.cr.dbname, key, raw))
            _logger.warning(
                "Setting %s holds %r, which is not valid: using its default %r.",
                key,
                raw,
                setting.default,
            )
        return setting.default
