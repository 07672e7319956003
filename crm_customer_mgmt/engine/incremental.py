"""What a nightly pass must measure again: whether it is a full one, and which days' records
move a customer's measures when the day moves on.

A pass keeps a mark of what it saw: the day, the moment from which a record written later is
new to it, the day of the last full pass and a fingerprint of the settings. The next pass is
incremental when nothing forces a full one: it measures the customers whose records were
written since, and those the calendar alone moves (records entering or leaving a window).
"""

from datetime import date, timedelta
from typing import NamedTuple

# why a pass is full
FIRST = "first"  # no pass kept a mark in the company yet
REQUESTED = "requested"  # a supervisor asked for one
SETTINGS = "settings"  # a stage, grade, factor or setting changed since the last pass
MONTH = "month"  # a new month: the monthly sales, the year to date and the churn rates move
DUE = "due"  # the last full pass is as old as the setting says (weekly by default)
BACKWARDS = "backwards"  # the day is before the last pass's (a clock set back, a back-dated run)


class Mark(NamedTuple):
    day: date  # the day of the last pass
    since: str  # records written from this moment on are new to the next pass
    full_day: date  # the day of the last full pass
    config: str  # fingerprint of what the measures and their meaning are set up from
    requested: bool = False  # a full pass is asked for


def mark_from(stored):
    """The ``Mark`` of a stored one (the dict the setting parses), or None."""
    if not stored or "day" not in stored:
        return None
    return Mark(
        date.fromisoformat(stored["day"]),
        stored["since"],
        date.fromisoformat(stored["full_day"]),
        stored["config"],
        bool(stored.get("requested")),
    )


def full_pass_reason(mark, today, config, every_days):
    """Why the pass of ``today`` is a full one, or None when it may be incremental."""
    if mark is None:
        return FIRST
    if mark.requested:
        return REQUESTED
    if mark.config != config:
        return SETTINGS
    if today < mark.day:
        return BACKWARDS
    if (today.year, today.month) != (mark.day.year, mark.day.month):
        return MONTH
    if (today - mark.full_day).days >= every_days:
        return DUE
    return None


def swept(before, after):
    """Inclusive date ranges swept by window bounds moving from ``before`` to ``after``
    (pairs of the same bounds, e.g. the first days of the current period on both days): a
    record dated in one enters or leaves a window. A bound that did not move sweeps none."""
    return [
        (min(old, new), max(old, new) - timedelta(days=1))
        for old, new in zip(before, after, strict=True)
        if old != new
    ]


def whole_months(first, day):
    """Whole months from ``first`` to ``day``: a month is complete on the day of the month of
    ``first`` (on the first of the next month when the month is shorter)."""
    months = (day.year - first.year) * 12 + day.month - first.month
    return months - (day.day < first.day)
