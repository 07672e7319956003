"""What a warning rule would do, tried without writing: the preview's marks and the
back-test's month-ends and counts. Pure functions over customer ids and dates.
"""

from datetime import date, timedelta
from typing import NamedTuple

WOULD_OPEN, ALREADY_OPEN, WOULD_RESOLVE = "open", "already_open", "resolve"
BACKTEST_MONTHS = (6, 12)  # the month-ends a back-test may look back over


def marks(hits, live):
    """Customer id -> what a run would do now: ``hits`` are the customers where the rule
    holds, ``live`` those with a live warning of it. A live warning whose customer no longer
    matches would be resolved; a customer matching without one would get a warning."""
    hits, live = set(hits), set(live)
    result = dict.fromkeys(hits - live, WOULD_OPEN)
    result.update(dict.fromkeys(hits & live, ALREADY_OPEN))
    result.update(dict.fromkeys(live - hits, WOULD_RESOLVE))
    return result


def hits_cap(marks_by_customer, cap):
    """Whether a run would open more warnings than ``cap``, and so open none."""
    return sum(1 for mark in marks_by_customer.values() if mark == WOULD_OPEN) > cap


def month_ends(today, count):
    """The last ``count`` month-ends before ``today``, the oldest first."""
    ends = []
    end = today.replace(day=1) - timedelta(days=1)
    for _index in range(count):
        ends.append(end)
        end = end.replace(day=1) - timedelta(days=1)
    return ends[::-1]


class Step(NamedTuple):
    """One date of a back-test: the warnings opened and resolved since the date before,
    and the warnings live on it."""

    day: date
    opened: int
    resolved: int
    live: int


def steps(matches):
    """Back-test steps from ``matches``: (day, customer ids matching that day) in date
    order. The first day is the baseline: it has no step of its own, as what was opened
    on it depends on the day before."""
    result = []
    for (_before, previous), (day, current) in zip(matches, matches[1:], strict=False):
        previous, current = set(previous), set(current)
        result.append(Step(day, len(current - previous), len(previous - current), len(current)))
    return result
