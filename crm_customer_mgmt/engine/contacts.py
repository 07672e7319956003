"""Contact discipline: how often each customer should hear from us, and when next.

A contact is a phone call (T), an email (E) or a meeting (M) with the customer or one of its
people, as Odoo recorded it. A cadence says how many days may pass between two contacts; the
most specific cadence that fits a customer's value tier and relationship stage applies.
"""

from datetime import timedelta
from typing import NamedTuple

PHONE, EMAIL, MEETING = "phone", "email", "meeting"
KINDS = (PHONE, EMAIL, MEETING)
LETTERS = {PHONE: "T", EMAIL: "E", MEETING: "M"}
# the kind a day shows first when it holds several, the closest contact first
KIND_ORDER = {MEETING: 0, PHONE: 1, EMAIL: 2}
# the order of importance of the value tiers, most important first (Contacts due)
TIER_PRIORITY = {"vip": 1, "key": 2, "ordinary": 3, "small": 4}
NO_TIER_PRIORITY = 5
CADENCE_BOUNDS = (1, 3650)  # days


class Cadence(NamedTuple):
    id: int
    days: int
    tier: str | None = None  # None: any tier
    stage_id: int | None = None  # None: any stage


def specificity(cadence):
    """How closely a cadence is aimed: tier and stage, stage, tier, neither."""
    return (cadence.stage_id is not None) * 2 + (cadence.tier is not None)


def cadence_for(cadences, tier, stage_id):
    """The cadence that applies to a customer of ``tier`` in stage ``stage_id``: the most
    specific that fits, the shortest among equals; None when none fits."""
    fitting = [
        cadence
        for cadence in cadences
        if cadence.tier in (None, tier) and cadence.stage_id in (None, stage_id)
    ]
    if not fitting:
        return None
    return min(fitting, key=lambda cadence: (-specificity(cadence), cadence.days, cadence.id))


def next_contact(last_contact, days, since):
    """When the next contact is due: ``days`` after the last one or, for a customer never
    contacted, after ``since`` (when it became a customer); None without a cadence."""
    if not days:
        return None
    start = last_contact or since
    return start + timedelta(days=days) if start else None


def priority(tier):
    """Rank of a customer in Contacts due: VIP first, customers without a tier last."""
    return TIER_PRIORITY.get(tier, NO_TIER_PRIORITY)


def on_time(next_date, today):
    """Whether a customer with a cadence is not late for its next contact."""
    return next_date is None or next_date >= today


def days_late(next_date, today):
    """Days past the next contact's due date; negative while there is time left."""
    return (today - next_date).days if next_date else None


def first_kind(kinds):
    """The kind shown for a day of several contacts."""
    return min(kinds, key=lambda kind: KIND_ORDER.get(kind, len(KIND_ORDER)), default=None)
