"""Credit scoring: measured factors to a 0-100 score whose parts add up, then to a grade.

Each factor scores on a straight line between a ``good`` value (full points) and a ``bad``
value (no points); whichever of the two is larger tells whether more is better or worse.
Factors with no measured value are left out and the others share their weight. A customer
with no history at all gets the neutral score, labelled as such.
"""

from typing import NamedTuple

NEUTRAL_SCORE = 60.0  # the middle of the default grades: neither good nor bad


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
