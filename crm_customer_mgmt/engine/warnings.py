"""Warning metrics: one pure function per metric, registered by key, and the rule test.

A metric reads the facts gathered for one customer (a dict) and returns a ``Reading``: the
measured value (``None`` when it cannot be measured) and the words that say what was
measured, as an English template and its values, which the caller translates. A metric is
declared once, by its decorator: key, label (what a rule's metric selection shows) and the
thresholds an admin may set. Rules read this registry through
``crm.customer.warning.rule._warning_metrics()``, which another addon extends.
"""

# The engine has no environment: its _() only marks templates for the exporter.
# pylint: disable=prefer-env-translation
import operator as op
from collections.abc import Callable
from typing import NamedTuple

METRICS = {}  # key -> Metric
ANY_THRESHOLD = (0, 1e9)

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
        return translate(self.template, **(self.params or {})) if self.template else ""


class Metric(NamedTuple):
    label: str  # an English label, translated by the caller
    read: Callable  # facts -> Reading
    bounds: tuple = ANY_THRESHOLD  # the thresholds an admin may set


def metric(key, label, bounds=ANY_THRESHOLD):
    def register(function):
        METRICS[key] = Metric(label, function, bounds)
        return function

    return register


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


def _amount(value):
    return f"{value:,.0f}"


@metric("overdue_amount", _("Overdue amount"))
def overdue_amount(facts):
    return Reading(
        facts["overdue_amount"],
        _("overdue %(amount)s"),
        {"amount": _amount(facts["overdue_amount"])},
    )


@metric("overdue_days", _("Oldest overdue (days)"))
def overdue_days(facts):
    return Reading(
        facts["overdue_days"], _("oldest overdue %(days)s days"), {"days": facts["overdue_days"]}
    )


@metric("days_since_last_order", _("Days since last order"))
def days_since_last_order(facts):
    days = facts["days_since_last_order"]
    if days is None:
        return Reading(None, _("never ordered"))
    return Reading(days, _("last order %(days)s days ago"), {"days": days})


@metric("sales_change_pct", _("Sales change vs previous period (%)"), bounds=(-100, 1000))
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


@metric("months_declining", _("Months of consecutive decline"))
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


@metric("share_of_wallet", _("Share of wallet (%)"), bounds=(0, 1000))
def share_of_wallet(facts):
    share = facts["share"]
    if share is None:
        return Reading(None)
    return Reading(share, _("share of wallet %(share)s%%"), {"share": f"{share:.1f}"})


@metric("share_change", _("Share of wallet change (points)"), bounds=(-1000, 1000))
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


@metric("stage_regressed", _("Stage regressed"), bounds=(0, 1))
def stage_regressed(facts):
    fell = facts["stage_fell"]
    if not fell:
        return Reading(0)
    return Reading(1, _("fell back to %(stage)s"), {"stage": fell})


@metric("credit_limit_usage", _("Credit limit usage (%)"), bounds=(0, 1000))
def credit_limit_usage(facts):
    usage = facts["limit_usage"]
    if usage is None:
        return Reading(None)
    return Reading(usage, _("credit limit used %(usage)s%%"), {"usage": f"{usage:.0f}"})


@metric("credit_downgraded", _("Credit grade downgraded"), bounds=(0, 1))
def credit_downgraded(facts):
    change = facts["grade_change"]
    if not change:
        return Reading(0)
    return Reading(1, _("credit grade %(change)s"), {"change": change})


@metric("days_since_review", _("Days since card review"))
def days_since_review(facts):
    days = facts["days_since_review"]
    if days is None:  # stale like the card says: older than any review interval
        return Reading(None, _("card never reviewed"), beyond=True)
    return Reading(days, _("card reviewed %(days)s days ago"), {"days": days})


@metric("card_completeness", _("Card completeness (%)"), bounds=(0, 100))
def card_completeness(facts):
    return Reading(
        facts["completeness"], _("card %(share)s%% complete"), {"share": facts["completeness"]}
    )


@metric("key_contact_changed", _("Key contact changed"))
def key_contact_changed(facts):
    changes = facts["key_contact_changes"]
    if not changes:
        return Reading(0)
    return Reading(
        len(changes), _("decision makers changed: %(names)s"), {"names": ", ".join(changes)}
    )


@metric("target_progress_pct", _("Sales progress vs annual target (%)"), bounds=(0, 1000))
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


@metric("cost_to_serve_pct", _("Cost to serve vs revenue (%)"), bounds=(0, 1000))
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
