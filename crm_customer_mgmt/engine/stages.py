"""Relationship stages: which stage a customer's share of wallet and activity lead to.

A relationship climbs one stage at a time (no skipping), falls straight to the band its share
supports, breaks off to the interrupted stage after a long silence from any stage, and starts
again at the first stage when trade resumes. A stage that needs confirmation is proposed, not
entered. A stage set by hand holds while its band and activity stay what they were.
"""

from typing import NamedTuple

ENTERED = "entered"
ADVANCED = "advanced"
PROPOSED = "proposed"
FELL = "fell"
INTERRUPTED = "interrupted"
RETURNED = "returned"
KEPT = "kept"


class Stage(NamedTuple):
    id: int
    share_min: float = 0.0
    share_max: float = 0.0
    is_interrupted: bool = False
    requires_confirmation: bool = False


class Facts(NamedTuple):
    """What the metrics pass measured for one customer."""

    share: float | None  # percent of the customer's spend; None when no wallet estimate
    days_inactive: int | None  # days since the last invoice or order; None if it never bought
    current_id: int | None = None
    manual: bool = False  # a manager set the current stage by hand
    manual_band_id: int | None = None  # the band the share was in at that time


class Decision(NamedTuple):
    stage_id: int
    proposed_id: int | None
    reason: str
    band_id: int | None  # the band the share supports, kept to detect changed facts


def band_problems(stages):
    """Overlaps and gaps between the share bands of ``stages`` (the interrupted one aside).

    Returns ``(kind, first, second)`` tuples, ``kind`` being ``"overlap"``, ``"gap"``,
    ``"start"`` (the lowest band does not start at 0) or ``"empty"`` (min not below max; the
    top band, open above, may have min equal to max).
    """
    ladder = sorted(_ladder(stages), key=lambda stage: stage.share_min)
    problems = [
        ("empty", stage, stage)
        for position, stage in enumerate(ladder, start=1)
        if stage.share_min > stage.share_max
        or (stage.share_min == stage.share_max and position < len(ladder))
    ]
    if ladder and ladder[0].share_min > 0:
        problems.append(("start", ladder[0], ladder[0]))
    for lower, upper in zip(ladder, ladder[1:], strict=False):
        if upper.share_min < lower.share_max or upper.share_min == lower.share_min:
            problems.append(("overlap", lower, upper))
        elif upper.share_min > lower.share_max:
            problems.append(("gap", lower, upper))
    return problems


def band_for(stages, share):
    """The ladder stage whose band holds ``share``: the highest minimum not above it.

    The top band is open above (a share over 100% means the spend estimate is low).
    """
    ladder = sorted(_ladder(stages), key=lambda stage: stage.share_min)
    return next((stage for stage in reversed(ladder) if stage.share_min <= share), ladder[0])


def decide(stages, facts, interrupt_after_days):
    """The stage ``facts`` lead to, given the stages in ladder order (sequence)."""
    ladder = _ladder(stages)
    by_id = {stage.id: stage for stage in stages}
    current = by_id.get(facts.current_id)
    band = band_for(stages, facts.share) if facts.share is not None else None
    band_id = band.id if band else None
    inactive = facts.days_inactive is not None and facts.days_inactive >= interrupt_after_days
    interrupted = next((stage for stage in stages if stage.is_interrupted), None)

    if inactive and interrupted:
        reason = KEPT if current == interrupted else INTERRUPTED
        return Decision(interrupted.id, None, reason, band_id)
    if current is None:
        return Decision(ladder[0].id, None, ENTERED, band_id)
    if current.is_interrupted:
        return Decision(ladder[0].id, None, RETURNED, band_id)
    if facts.manual and facts.manual_band_id == band_id:
        return Decision(current.id, None, KEPT, band_id)
    return _move_along(ladder, current, band, band_id)


def _move_along(ladder, current, band, band_id):
    if band is None:
        return Decision(current.id, None, KEPT, band_id)
    position, target = ladder.index(current), ladder.index(band)
    if target < position:
        return Decision(band.id, None, FELL, band_id)
    if target == position:
        return Decision(current.id, None, KEPT, band_id)
    step = ladder[position + 1]
    if step.requires_confirmation:
        return Decision(current.id, step.id, PROPOSED, band_id)
    return Decision(step.id, None, ADVANCED, band_id)


def _ladder(stages):
    return [stage for stage in stages if not stage.is_interrupted]
