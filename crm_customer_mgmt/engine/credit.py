"""Credit scoring: measured factors to a 0-100 score whose parts add up, then to a grade.

Each factor scores on a straight line between a ``good`` value (full points) and a ``bad``
value (no points); whichever of the two is larger tells whether more is better or worse.
Factors with no measured value are left out and the others share their weight. A customer
with no history at all gets the neutral score, labelled as such.

What a factor measures is declared once, by the ``factor`` decorator: its key, its label
(what the credit factor's Measure selection shows) and the function that reads its value
from a customer's ``Inputs``. Credit factors read this registry through
``crm.credit.factor._credit_factor_measures()``, which another addon extends.
"""

# The engine has no environment: its _() only marks labels for the exporter.
# pylint: disable=prefer-env-translation
from collections.abc import Callable
from typing import NamedTuple

from .incremental import whole_months

NEUTRAL_SCORE = 60.0  # the middle of the default grades: neither good nor bad
TRUST_VALUES = {"good": 100.0, "normal": 50.0, "bad": 0.0}  # Odoo's debtor trust as points

MEASURES = {}  # factor key -> FactorMeasure


def _(label):
    """Marks a label for translation; the caller translates it."""
    return label


class Factor(NamedTuple):
    key: str
    weight: float
    good: float
    bad: float


class Part(NamedTuple):
    key: str
    value: float
    points: float  # share of the score this factor earned
    max_points: float  # what it could have earned


class Result(NamedTuple):
    score: float
    parts: tuple
    no_history: bool
    left_out: tuple = ()  # keys of the weighted factors with no measured value


class Inputs(NamedTuple):
    """What a customer's factors are measured from."""

    measures: dict  # the stored measures of the metrics pass, by name
    signals: dict  # Odoo's partner fields, by name
    card: object  # the card's ``CreditInputs`` (evaluation, reputation)
    today: object


class FactorMeasure(NamedTuple):
    label: str  # an English label, translated by the caller
    measure: Callable  # Inputs -> value, or None when it cannot be measured


def factor(key, label):
    def register(function):
        MEASURES[key] = FactorMeasure(label, function)
        return function

    return register


def measure_all(measures, inputs):
    """Factor key -> the value ``inputs`` give it, for every factor of ``measures``."""
    return {key: factor.measure(inputs) for key, factor in measures.items()}


def quality(factor, value):
    """0 (at or past ``bad``) to 1 (at or past ``good``), linear in between."""
    span = factor.bad - factor.good
    return min(1.0, max(0.0, (factor.bad - value) / span))


def score(factors, values, has_history=True):
    """The score of ``values`` (factor key -> measured value or None) under ``factors``."""
    if not has_history:
        return Result(NEUTRAL_SCORE, (), True)
    measured = [f for f in factors if f.weight > 0 and values.get(f.key) is not None]
    total = sum(f.weight for f in measured)
    if not total:
        return Result(NEUTRAL_SCORE, (), True)
    parts = tuple(
        Part(
            f.key,
            values[f.key],
            round(100.0 * f.weight * quality(f, values[f.key]) / total, 1),
            round(100.0 * f.weight / total, 1),
        )
        for f in measured
    )
    left_out = tuple(f.key for f in factors if f.weight > 0 and values.get(f.key) is None)
    return Result(round(sum(part.points for part in parts), 1), parts, False, left_out)


def grade_for(grades, value):
    """The grade with the highest minimum not above ``value``; ``grades`` is (id, minimum)."""
    ranked = sorted(grades, key=lambda grade: grade[1])
    return next((gid for gid, minimum in reversed(ranked) if minimum <= value), ranked[0][0])


def grade_problems(minimums):
    """Why grade minimums do not cover 0-100 without overlap: a list of problem codes."""
    problems = []
    if minimums and min(minimums) != 0:
        problems.append("start")
    if len(set(minimums)) != len(minimums):
        problems.append("overlap")
    if any(not 0 <= minimum <= 100 for minimum in minimums):
        problems.append("range")
    return problems


def recommended_limit(factor, monthly_sales, rounding=100.0):
    """The credit limit a grade recommends: ``factor`` months of average sales, rounded."""
    if monthly_sales <= 0 or factor <= 0:
        return 0.0
    return round(factor * monthly_sales / rounding) * rounding


def quadrant(credit_good, sales_strong):
    """Credit x sales ability (DOMAIN section 3)."""
    if credit_good:
        return "star" if sales_strong else "reliable"
    return "risky_growth" if sales_strong else "weak"


# The factors -----------------------------------------------------------------------------


@factor("punctuality", _("Days paid late"))
def punctuality(inputs):
    return inputs.measures["paid_late_days"]


@factor("overdue_share", _("Overdue share of receivable (%)"))
def overdue_share(inputs):
    open_receivable = inputs.measures["open_receivable"] or 0.0
    if open_receivable <= 0:
        return 0.0
    return 100.0 * inputs.measures["overdue_amount"] / open_receivable


@factor("overdue_days", _("Oldest overdue (days)"))
def overdue_days(inputs):
    return inputs.measures["overdue_days"]


@factor("limit_usage", _("Credit limit used (%)"))
def limit_usage(inputs):
    limit = inputs.signals["credit_limit"]
    if limit <= 0:
        return None
    open_receivable = inputs.measures["open_receivable"] or 0.0
    return 100.0 * (open_receivable + inputs.signals["credit_to_invoice"]) / limit


@factor("relationship_years", _("Years as a customer"))
def relationship_years(inputs):
    """In whole months, so that it moves once a month, not every night."""
    first = inputs.measures["first_invoice_date"]
    return round(whole_months(first, inputs.today) / 12, 2) if first else None


@factor("reputation", _("Reputation score"))
def reputation(inputs):
    return inputs.card.reputation


@factor("evaluation", _("Evaluation score"))
def evaluation(inputs):
    return inputs.card.evaluation


@factor("trust", _("Odoo debtor trust"))
def trust(inputs):
    return TRUST_VALUES.get(inputs.signals["trust"] or "normal")


@factor("dso", _("Days sales outstanding"))
def dso(inputs):
    return inputs.signals["days_sales_outstanding"]
