from ..engine.sale_policy import (
    TermLine,
    fully_prepaid,
    line_due_days,
    longest_due_days,
    softer_terms,
)

NOW = [TermLine("days_after", 0)]
NET_30 = [TermLine("days_after", 30)]
HALF_NOW_HALF_45 = [TermLine("days_after", 0), TermLine("days_after", 45)]
END_OF_NEXT_MONTH = [TermLine("days_after_end_of_next_month", 0)]


def test_each_delay_type_counts_its_worst_case():
    assert line_due_days(TermLine("days_after", 15)) == 15
    assert line_due_days(TermLine("days_after_end_of_month", 10)) == 40
    assert line_due_days(TermLine("days_after_end_of_next_month", 0)) == 61
    assert line_due_days(TermLine("days_end_of_month_on_the", 0, 10)) == 40
    assert line_due_days(TermLine("days_end_of_month_on_the", 5, 0)) == 35


def test_the_longest_installment_decides():
    assert longest_due_days(HALF_NOW_HALF_45) == 45
    assert longest_due_days([]) == 0


def test_softer_means_longer_to_pay():
    assert softer_terms(NET_30, NOW)
    assert softer_terms(END_OF_NEXT_MONTH, HALF_NOW_HALF_45)
    assert not softer_terms(NET_30, NET_30)
    assert not softer_terms(NOW, NET_30)
    assert not softer_terms([], NOW), "no terms is due at once"


def test_fully_prepaid_within_rounding():
    assert fully_prepaid(100.0, 100.0)
    assert fully_prepaid(100.0, 99.996)
    assert not fully_prepaid(100.0, 99.98)
    assert not fully_prepaid(0.0, 0.0), "nothing to pay is no prepayment"
