import pytest

from ..engine.warnings import METRICS, holds, read, reading_holds

BASE = {
    "overdue_amount": 0.0,
    "overdue_days": 0,
    "days_since_last_order": 12,
    "sales": 1000.0,
    "sales_prev": 2000.0,
    "monthly_sales": [2500.0, 2000.0, 1600.0, 300.0],
    "lines": 2,
    "lines_prev": 5,
    "share": 40.0,
    "share_prev": 55.0,
    "stage_fell": False,
    "limit_usage": None,
    "grade_change": False,
    "days_since_review": None,
    "completeness": 60,
    "key_contact_changes": [],
    "annual_target": 0.0,
    "year_elapsed": 0.5,
    "sales_ytd": 0.0,
    "cost_to_serve": 150.0,
}


def facts(**changes):
    return {**BASE, **changes}


def test_every_metric_reads_the_base_facts():
    assert len(METRICS) == 16
    for key in METRICS:
        read(key, BASE)  # none raises on ordinary facts


def test_the_declining_dealer():
    reading = read("months_declining", BASE)
    assert reading.value == 3
    assert (
        reading.words() == "orders fell 3 months running: 2,500 → 2,000 → 1,600 → 300; lines 5 → 2"
    )
    assert read("lines_dropped", BASE).value == 3


def test_decline_stops_at_the_first_rise():
    assert read("months_declining", facts(monthly_sales=[100.0, 900.0, 800.0])).value == 1
    assert read("months_declining", facts(monthly_sales=[100.0, 200.0])).value == 0
    assert read("months_declining", facts(monthly_sales=[])).value == 0


@pytest.mark.parametrize(
    ("key", "changes", "value"),
    [
        ("sales_change_pct", {}, -50.0),
        ("sales_change_pct", {"sales_prev": 0.0}, None),
        ("share_change", {}, -15.0),
        ("share_change", {"share_prev": None}, None),
        ("cost_to_serve_pct", {}, 15.0),
        ("cost_to_serve_pct", {"sales": 0.0}, 100.0),
        ("target_progress_pct", {"annual_target": 10000.0, "sales_ytd": 2500.0}, 50.0),
        ("target_progress_pct", {}, None),
        ("days_since_review", {}, None),
        ("stage_regressed", {"stage_fell": "Development"}, 1),
        ("credit_downgraded", {"grade_change": "A → C"}, 1),
        ("key_contact_changed", {"key_contact_changes": ["Sun Li left"]}, 1),
    ],
)
def test_metric_values(key, changes, value):
    assert read(key, facts(**changes)).value == value


def test_words_are_translatable_templates():
    reading = read("share_change", BASE)
    assert reading.template == "share of wallet %(before)s%% → %(after)s%% (%(change)s points)"
    assert reading.words() == "share of wallet 55.0% → 40.0% (-15.0 points)"
    assert reading.words(lambda template, **params: "T:" + template % params).startswith("T:")


def test_holds():
    assert holds(">=", 3, 3)
    assert not holds(">", 3, 3)
    assert holds("<", -50, -30)
    assert not holds("<", None, 10), "an unmeasured value never raises a warning"


def test_a_card_never_reviewed_is_past_any_review_interval():
    never = read("days_since_review", facts(days_since_review=None))
    assert never.words() == "card never reviewed"
    assert reading_holds(">", never, 90) and reading_holds(">=", never, 3650)
    assert not reading_holds("<", never, 90), "not a recently reviewed card"
    recent = read("days_since_review", facts(days_since_review=10))
    assert not reading_holds(">", recent, 90) and reading_holds("<=", recent, 90)
