"""Sale rules of the credit policy: how soft payment terms are, and when an order is prepaid.

A payment term is compared by its longest due delay: the most days any of its installments
may fall after the invoice date, in the worst case of the month the invoice is dated in
(invoiced on the 1st of a 31-day month). A term without installments, or no term, is due at
once (0 days). Terms are softer than others when that longest delay is longer.
"""

from typing import NamedTuple

# Worst-case days from the invoice date to the end of its month, and of the next month.
END_OF_MONTH = 30
END_OF_NEXT_MONTH = 61


class TermLine(NamedTuple):
    delay_type: str  # Odoo's account.payment.term.line delay types
    nb_days: int
    days_next_month: int = 0


def line_due_days(line):
    """The most days after the invoice date at which this installment can fall due."""
    if line.delay_type == "days_after_end_of_month":
        return END_OF_MONTH + line.nb_days
    if line.delay_type == "days_after_end_of_next_month":
        return END_OF_NEXT_MONTH + line.nb_days
    if line.delay_type == "days_end_of_month_on_the":
        # the given day of the month after invoice date + days (0: the end of that month)
        return line.nb_days + END_OF_MONTH + (line.days_next_month or 0)
    return line.nb_days


def longest_due_days(lines):
    """Longest due delay of a payment term given as its lines; 0 for none."""
    return max((line_due_days(line) for line in lines), default=0)


def softer_terms(lines, reference_lines):
    """Whether the term of ``lines`` gives the customer longer to pay than the reference."""
    return longest_due_days(lines) > longest_due_days(reference_lines)


def fully_prepaid(amount_total, amount_paid, rounding=0.01):
    """Whether the online payments cover the whole order (cash in advance)."""
    return amount_total > 0 and amount_paid >= amount_total - rounding / 2
