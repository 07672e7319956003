from datetime import date

from ..engine.card import completeness, is_stale, stale_before, weighted_score


def test_weighted_score_leaves_unscored_lines_out():
    assert weighted_score([(50, 80), (30, 60), (20, None)]) == 72.5


def test_weighted_score_counts_an_explicit_zero():
    assert weighted_score([(50, 0), (30, 100)]) == 37.5


def test_weighted_score_ignores_weightless_lines():
    assert weighted_score([(0, 100), (10, 40)]) == 40


def test_weighted_score_with_nothing_scored_is_none():
    assert weighted_score([(10, None), (0, 90)]) is None
    assert weighted_score([]) is None


def test_completeness_share_of_filled_fields():
    values = {"phone": "+86 10 1234", "email": False, "ratio": 0.0, "owner": "x"}
    assert completeness(values, ["phone", "email", "ratio", "owner"]) == 50
    assert completeness(values, ["phone", "missing"]) == 50
    assert completeness(values, ["phone", "email", "owner"]) == 67


def test_completeness_of_no_field_is_full():
    assert completeness({}, []) == 100


def test_staleness():
    today = date(2026, 3, 31)
    assert stale_before(today, 90) == date(2025, 12, 31)
    assert is_stale(None, today, 90)
    assert is_stale(date(2025, 12, 30), today, 90)
    assert not is_stale(date(2025, 12, 31), today, 90)
    assert not is_stale(today, today, 1)
