"""Customer card arithmetic: evaluation score, completeness, staleness."""

from datetime import date, timedelta
from typing import NamedTuple


def weighted_score(lines):
    """Weighted mean of the scored lines, on 0-100.

    ``lines`` holds ``(weight, score)`` pairs; a score of ``None`` is unscored and left out
    rather than counted as zero. Returns ``None`` when nothing with a weight is scored.
    """
    scored = [(weight, score) for weight, score in lines if score is not None and weight > 0]
    total_weight = sum(weight for weight, _score in scored)
    if not total_weight:
        return None
    return round(sum(weight * score for weight, score in scored) / total_weight, 2)


def completeness(values, field_names):
    """Share (0-100) of ``field_names`` whose value in ``values`` is filled.

    Odoo stores no empty number, so a zero counts as not filled, like an empty text.
    """
    if not field_names:
        return 100
    filled = sum(1 for name in field_names if values.get(name))
    return round(100 * filled / len(field_names))


def is_stale(review_date, today, max_age_days):
    """A card never reviewed, or reviewed more than ``max_age_days`` ago, is stale."""
    return review_date is None or review_date < stale_before(today, max_age_days)


def stale_before(today: date, max_age_days: int) -> date:
    """Review dates before this one make a card stale."""
    return today - timedelta(days=max_age_days)


class EvaluationLine(NamedTuple):
    """One scored evaluation line as the credit score sees it."""

    criterion_id: int
    weight: float
    score: float
    approved: bool
    entered_by: str
    entered_on: object  # datetime
    approved_by: str
    approved_on: object  # datetime or None


class CreditInputs(NamedTuple):
    """What a card's evaluation gives the credit score: only approved lines count."""

    evaluation: float | None  # weighted score of the approved lines
    reputation: float | None  # the approved reputation line's score
    approved: tuple  # (who, when) of the latest approval, or ()
    pending: tuple  # (count, who, when) of lines awaiting approval (latest entry), or ()


def credit_inputs(lines, reputation_criterion_id=None):
    """Summarise a card's scored ``EvaluationLine``s for the credit score."""
    approved = [line for line in lines if line.approved]
    pending = [line for line in lines if not line.approved]
    reputation = next(
        (line.score for line in approved if line.criterion_id == reputation_criterion_id), None
    )
    last_approval = max(approved, key=lambda line: line.approved_on, default=None)
    last_entry = max(pending, key=lambda line: line.entered_on, default=None)
    return CreditInputs(
        weighted_score((line.weight, line.score) for line in approved),
        reputation,
        (last_approval.approved_by, last_approval.approved_on) if last_approval else (),
        (len(pending), last_entry.entered_by, last_entry.entered_on) if last_entry else (),
    )
