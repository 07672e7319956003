"""Warning metrics: one pure function per metric, registered by key, and the rule test.

A metric reads the facts gathered for one customer (a dict) and returns a ``Reading``: the
measured value (``None`` when it cannot be measured) and the words that say what was
measured, as an English template and its values, which the caller translates. A metric is
declared once, by its decorator: key, label (what a rule's metric selection shows), the
thresholds an admin may set, its unit, whether it reads the rule's period and, where it
has one, its value in the previous period. Rules read this registry through
``crm.customer.warning.rule._warning_metrics()``, which another addon extends.

A rule holds conditions (``Condition``), all or any of which must hold; ``verdicts()``
decides them for many customers at once from their facts, whatever date the facts are of:
the nightly run, a preview and a back-test call the same function.
"""

# The engine has no environment: its _() only marks templates for the exporter.
# pylint: disable=prefer-env-translation
import operator as op
from collections.abc import Callable
from typing import NamedTuple

METRICS = {}  # key -> Metric
ANY_THRESHOLD = (0, 1e9)

# units of a metric's values and thresholds
DAYS, MONTHS, PERCENT, POINTS, AMOUNT, COUNT = (
    "days",
    "months",
    "percent",
    "points",
    "amount",  # in company currency
    "count",
)
# what a condition compares: the metric's value, or its change against the previous period
VALUE, CHANGE = "value", "change"
CHANGE_BOUNDS = (-100, 10000)  # percent: a fall ends at -100 %
ALL, ANY = "all", "any"

OPERATORS = {">": op.gt, ">=": op.ge, "<": op.lt, "<=": op.le, "=": op.eq, "!=": op.ne}


def _(template):
    """Marks a template for translation; the caller translates it."""
    return template


class Reading(NamedTuple):
    value: float | None
    template: str = ""
    params: dict | None = None
    beyond: bool = False  # past any upper bound, unmeasurable as a number (never reviewed)

    def words(self, translate=lambda template, **params: template % params):
        """The words in the language of ``translate``; a value that is a Reading itself is
        put in its own words first."""
        if not self.template:
            return ""
        params = {
            key: value.words(translate) if isinstance(value, Reading) else value
            for key, value in (self.params or {}).items()
        }
        return translate(self.template, **params)


class Metric(NamedTuple):
    label: str  # an English label, translated by the caller
    read: Callable  # facts -> Reading
    bounds: tuple = ANY_THRESHOLD  # the thresholds an admin may set
    unit: str = COUNT
    uses_period: bool = False  # reads the rule's period (how far back changes count)
    previous: Callable | None = None  # facts -> the value in the previous period


def metric(key, label, bounds=ANY_THRESHOLD, unit=COUNT, uses_period=False, previous=None):
    def register(function):
        METRICS[key] = Metric(label, function, bounds, unit, uses_period, previous)
        return function

    return register


class Condition(NamedTuple):
    """One condition of a rule: ``metric``'s value (or, ``kind`` CHANGE, its change in
    percent against the previous period) ``operator`` ``threshold``."""

    metric: str
    operator: str
    threshold: float
    kind: str = VALUE


class Verdict(NamedTuple):
    """A rule's decision on one customer: whether it holds, and each condition's reading
    and whether it was met, in the order of the conditions."""

    holds: bool
    readings: tuple
    met: tuple

    def first_met(self):
        """Index of the first condition met (the one a warning's value and threshold show),
        None when none is."""
        return next((index for index, met in enumerate(self.met) if met), None)


def holds(operator, value, threshold):
    """Whether ``value operator threshold``; an unmeasured value never holds."""
    return value is not None and OPERATORS[operator](value, threshold)


def reading_holds(operator, reading, threshold):
    """Whether ``reading`` meets the condition; a reading ``beyond`` any bound is above every
    threshold."""
    if reading.beyond:
        return operator in (">", ">=", "!=")
    return holds(operator, reading.value, threshold)


def read(key, facts):
    return METRICS[key].read(facts)


def condition_reading(condition, facts, metrics=None):
    """What ``condition`` measures on one customer's facts."""
    definition = (metrics or METRICS)[condition.metric]
    reading = definition.read(facts)
    if condition.kind != CHANGE:
        return reading
    return change_reading(definition, reading, facts)


def change_reading(definition, reading, facts):
    """``reading`` as its change in percent against the previous period; unmeasured when
    there is nothing to compare with."""
    previous = definition.previous(facts) if definition.previous else None
    if reading.value is None or not previous or previous <= 0:
        return Reading(None, _("nothing in the previous period to compare with"))
    change = round(100.0 * (reading.value - previous) / previous, 1)
    return Reading(
        change,
        _("%(current)s, against %(before)s in the previous period (%(change)s%%)"),
        {
            "current": reading,
            "before": format_value(definition.unit, previous),
            "change": f"{change:+.1f}",
        },
    )


def verdict(conditions, match, facts, metrics=None):
    """Whether all (``match`` ALL) or any of ``conditions`` hold on one customer's facts; a
    rule without conditions holds nowhere."""
    readings = tuple(condition_reading(cond, facts, metrics) for cond in conditions)
    met = tuple(
        reading_holds(cond.operator, reading, cond.threshold)
        for cond, reading in zip(conditions, readings, strict=True)
    )
    holds = bool(conditions) and (all(met) if match == ALL else any(met))
    return Verdict(holds, readings, met)


def verdicts(conditions, match, facts_by_customer, metrics=None):
    """Customer id -> Verdict of ``conditions`` on each customer's facts (customer id ->
    facts, measured as of any date)."""
    metrics = metrics or METRICS
    return {
        customer: verdict(conditions, match, facts, metrics)
        for customer, facts in facts_by_customer.items()
    }


def format_value(unit, value):
    """A value as a warning's words show it: amounts and counts without decimals."""
    if value is None:
        return ""
    if unit in (AMOUNT, COUNT, DAYS, MONTHS):
        return _amount(value)
    return f"{value:,.1f}"


def _amount(value):
    return f"{value:,.0f}"


@metric("overdue_amount", _("Overdue amount"), unit=AMOUNT)
def overdue_amount(facts):
    return Reading(
        facts["overdue_amount"],
        _("overdue %(amount)s"),
        {"amount": _amount(facts["overdue_amount"])},
    )


@metric("overdue_days", _("Oldest overdue (days)"), unit=DAYS)
def overdue_days(facts):
    return Reading(
        facts["overdue_days"], _("oldest overdue %(days)s days"), {"days": facts["overdue_days"]}
    )


@metric("days_since_last_order", _("Days since last order"), unit=DAYS)
def days_since_last_order(facts):
    days = facts["days_since_last_order"]
    if days is None:
        return Reading(None, _("never ordered"))
    return Reading(days, _("last order %(days)s days ago"), {"days": days})


@metric(
    "sales_change_pct",
    _("Sales change vs previous period (%)"),
    bounds=(-100, 1000),
    unit=PERCENT,
)
def sales_change_pct(facts):
    previous, current = facts["sales_prev"], facts["sales"]
    if previous <= 0:
        return Reading(None)
    change = round(100.0 * (current - previous) / previous, 1)
    return Reading(
        change,
        _("sales %(before)s → %(after)s (%(change)s%%)"),
        {"before": _amount(previous), "after": _amount(current), "change": f"{change:+.1f}"},
    )


@metric("months_declining", _("Months of consecutive decline"), unit=MONTHS)
def months_declining(facts):
    """Consecutive months, up to the last full one, in which sales fell."""
    series = facts["monthly_sales"]
    count = 0
    while count < len(series) - 1 and series[-1 - count] < series[-2 - count]:
        count += 1
    shown = " → ".join(_amount(value) for value in series[len(series) - 1 - count :])
    return Reading(
        count,
        _("orders fell %(count)s months running: %(series)s; lines %(before)s → %(after)s"),
        {"count": count, "series": shown, "before": facts["lines_prev"], "after": facts["lines"]},
    )


@metric("lines_dropped", _("Product lines dropped"))
def lines_dropped(facts):
    dropped = facts["lines_prev"] - facts["lines"]
    return Reading(
        max(dropped, 0),
        _("product lines %(before)s → %(after)s"),
        {"before": facts["lines_prev"], "after": facts["lines"]},
    )


@metric(
    "sales",
    _("Sales in the period"),
    bounds=(-1e9, 1e9),
    unit=AMOUNT,
    previous=lambda facts: facts["sales_prev"],
)
def sales(facts):
    return Reading(facts["sales"], _("sales %(amount)s"), {"amount": _amount(facts["sales"])})


@metric(
    "product_lines",
    _("Product lines bought in the period"),
    previous=lambda facts: facts["lines_prev"],
)
def product_lines(facts):
    return Reading(facts["lines"], _("%(count)s product lines"), {"count": facts["lines"]})


@metric(
    "invoice_count",
    _("Invoices in the period"),
    previous=lambda facts: facts["invoices_prev"],
)
def invoice_count(facts):
    return Reading(facts["invoices"], _("%(count)s invoices"), {"count": facts["invoices"]})


@metric(
    "share_of_wallet",
    _("Share of wallet (%)"),
    bounds=(0, 1000),
    unit=PERCENT,
    previous=lambda facts: facts["share_prev"],
)
def share_of_wallet(facts):
    share = facts["share"]
    if share is None:
        return Reading(None)
    return Reading(share, _("share of wallet %(share)s%%"), {"share": f"{share:.1f}"})


@metric("share_change", _("Share of wallet change (points)"), bounds=(-1000, 1000), unit=POINTS)
def share_change(facts):
    share, previous = facts["share"], facts["share_prev"]
    if share is None or previous is None:
        return Reading(None)
    change = round(share - previous, 1)
    return Reading(
        change,
        _("share of wallet %(before)s%% → %(after)s%% (%(change)s points)"),
        {"before": f"{previous:.1f}", "after": f"{share:.1f}", "change": f"{change:+.1f}"},
    )


@metric("stage_regressed", _("Stage regressed"), bounds=(0, 1), uses_period=True)
def stage_regressed(facts):
    fell = facts["stage_fell"]
    if not fell:
        return Reading(0)
    return Reading(1, _("fell back to %(stage)s"), {"stage": fell})


@metric("credit_limit_usage", _("Credit limit usage (%)"), bounds=(0, 1000), unit=PERCENT)
def credit_limit_usage(facts):
    usage = facts["limit_usage"]
    if usage is None:
        return Reading(None)
    return Reading(usage, _("credit limit used %(usage)s%%"), {"usage": f"{usage:.0f}"})


@metric("credit_downgraded", _("Credit grade downgraded"), bounds=(0, 1), uses_period=True)
def credit_downgraded(facts):
    change = facts["grade_change"]
    if not change:
        return Reading(0)
    return Reading(1, _("credit grade %(change)s"), {"change": change})


@metric("days_since_review", _("Days since card review"), unit=DAYS)
def days_since_review(facts):
    days = facts["days_since_review"]
    if days is None:  # stale like the card says: older than any review interval
        return Reading(None, _("card never reviewed"), beyond=True)
    return Reading(days, _("card reviewed %(days)s days ago"), {"days": days})


@metric("card_completeness", _("Card completeness (%)"), bounds=(0, 100), unit=PERCENT)
def card_completeness(facts):
    return Reading(
        facts["completeness"], _("card %(share)s%% complete"), {"share": facts["completeness"]}
    )


@metric("key_contact_changed", _("Key contact changed"), uses_period=True)
def key_contact_changed(facts):
    changes = facts["key_contact_changes"]
    if not changes:
        return Reading(0)
    return Reading(
        len(changes), _("decision makers changed: %(names)s"), {"names": ", ".join(changes)}
    )


@metric(
    "target_progress_pct",
    _("Sales progress vs annual target (%)"),
    bounds=(0, 1000),
    unit=PERCENT,
)
def target_progress_pct(facts):
    """Sales so far this year against the share of the annual target the date calls for."""
    target, elapsed = facts["annual_target"], facts["year_elapsed"]
    if not target or not elapsed:
        return Reading(None)
    progress = round(100.0 * facts["sales_ytd"] / (target * elapsed), 1)
    return Reading(
        progress,
        _("%(sold)s sold against %(due)s due by now (%(progress)s%% of pace)"),
        {
            "sold": _amount(facts["sales_ytd"]),
            "due": _amount(target * elapsed),
            "progress": f"{progress:.0f}",
        },
    )


@metric("cost_to_serve_pct", _("Cost to serve vs revenue (%)"), bounds=(0, 1000), unit=PERCENT)
def cost_to_serve_pct(facts):
    sales, cost = facts["sales"], facts["cost_to_serve"]
    if sales <= 0:
        return Reading(None if not cost else 100.0)
    ratio = round(100.0 * cost / sales, 1)
    return Reading(
        ratio,
        _("cost to serve %(cost)s on sales %(sales)s (%(ratio)s%%)"),
        {"cost": _amount(cost), "sales": _amount(sales), "ratio": f"{ratio:.1f}"},
    )


@metric(
    "frequency_drop_pct",
    _("Order frequency drop vs previous period (%)"),
    bounds=(0, 100),
    unit=PERCENT,
)
def frequency_drop_pct(facts):
    """The fall in invoices from the previous period to this one (the F of RFM)."""
    previous, current = facts["invoices_prev"], facts["invoices"]
    if previous <= 0:
        return Reading(None)
    drop = round(100.0 * max(previous - current, 0) / previous, 1)
    return Reading(
        drop,
        _("invoices %(before)s → %(after)s (%(drop)s%% fewer)"),
        {"before": previous, "after": current, "drop": f"{drop:.1f}"},
    )


@metric("profit_12m", _("Profit, last 12 months"), bounds=(-1e9, 1e9), unit=AMOUNT)
def profit_12m(facts):
    """Margin less the cost to serve over the last 12 months (成本客户 when negative)."""
    margin, cost = facts.get("margin_12m"), facts.get("cost_to_serve_12m")
    if margin is None:
        return Reading(None)
    profit = float(margin) - float(cost or 0)
    return Reading(
        profit,
        _("profit %(profit)s (margin %(margin)s, cost to serve %(cost)s)"),
        {"profit": _amount(profit), "margin": _amount(margin), "cost": _amount(cost or 0)},
    )


@metric("days_without_contact", _("Days without contact"), unit=DAYS)
def days_without_contact(facts):
    """Days since the last call, email or meeting; a customer never contacted is silent
    beyond any threshold."""
    days = facts["days_without_contact"]
    if days is None:
        return Reading(None, _("never contacted"), beyond=True)
    return Reading(days, _("last contact %(days)s days ago"), {"days": days})


@metric(
    "contact_gap",
    _("Contact gap vs cadence (days)"),
    bounds=(-3650, 3650),
    unit=DAYS,
)
def contact_gap(facts):
    """Days past the customer's contact cadence since its last contact, or since it became
    a customer when never contacted (negative while there is time left); not measured where
    no cadence applies."""
    cadence, days = facts["contact_cadence"], facts["days_without_contact"]
    if not cadence:
        return Reading(None, _("no contact cadence"))
    if days is None:
        gap = max(facts["days_known"] or 0, 0) - cadence
        return Reading(
            gap,
            _("never contacted, cadence %(cadence)s days (%(gap)s days late)"),
            {"cadence": cadence, "gap": gap},
        )
    gap = days - cadence
    return Reading(
        gap,
        _("last contact %(days)s days ago, cadence %(cadence)s days (%(gap)s days late)"),
        {"days": days, "cadence": cadence, "gap": gap},
    )
