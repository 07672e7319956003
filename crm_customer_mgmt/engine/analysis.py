"""Customer analysis: RFM segments, the value x loyalty quadrant, the customer type the
purchase history suggests, and the customer lifetime value with its parts."""

from typing import NamedTuple

# RFM segments, from the recency score (rows, 5 = bought most recently) and the mean of the
# frequency and money scores (columns: 1-2, 3, 4-5)
CHAMPIONS, LOYAL, POTENTIAL, NEW, PROMISING = (
    "champions",
    "loyal",
    "potential",
    "new",
    "promising",
)
ATTENTION, ABOUT_TO_SLEEP, AT_RISK, CANT_LOSE, HIBERNATING, LOST = (
    "attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
)
SEGMENT_GRID = {
    5: (PROMISING, POTENTIAL, CHAMPIONS),
    4: (PROMISING, POTENTIAL, CHAMPIONS),
    3: (ABOUT_TO_SLEEP, ATTENTION, LOYAL),
    2: (HIBERNATING, AT_RISK, CANT_LOSE),
    1: (LOST, AT_RISK, CANT_LOSE),
}

# the value x loyalty quadrant: the documents' four treatments
DROP, MOST_DANGEROUS, TOMORROWS_STAR, MOST_PRECIOUS = (
    "drop",
    "most_dangerous",
    "tomorrows_star",
    "most_precious",
)
BIG_TIERS = ("vip", "key")
LOYAL_SHARE = 50.0  # share of wallet (%) from which a customer buys mostly from us

# customer types (res.partner.customer_type)
POTENTIAL_TYPE, ONE_TIME_TYPE, LOYAL_TYPE = "potential", "one_time", "loyal"


def rfm_segment(recency, frequency, money, invoices_12m):
    """The named segment of RFM scores (1-5 each). A recent buyer with a single invoice in
    12 months is new, not merely promising."""
    value = (frequency + money) / 2
    column = 0 if value < 3 else 1 if value < 4 else 2
    segment = SEGMENT_GRID[recency][column]
    if segment == PROMISING and invoices_12m <= 1:
        return NEW
    return segment


def is_loyal(attitude, share, bought_now, bought_before):
    """Whether a customer is loyal: its attitude where the card says it; else buying most
    of its needs from us (share of wallet); else buying from us in both the current and the
    previous period."""
    if attitude:
        return attitude == "loyal"
    if share is not None:
        return share >= LOYAL_SHARE
    return bought_now and bought_before


def value_loyalty_quadrant(tier, loyal):
    """Small and disloyal: drop; big and disloyal: the most dangerous; small and loyal:
    tomorrow's stars; big and loyal: the most precious. None without a tier."""
    if not tier:
        return None
    big = tier in BIG_TIERS
    if loyal:
        return MOST_PRECIOUS if big else TOMORROWS_STAR
    return MOST_DANGEROUS if big else DROP


def suggested_type(first_invoice, last_invoice):
    """Never bought: potential; bought on one day only: one-time; bought again: loyal."""
    if not first_invoice:
        return POTENTIAL_TYPE
    return ONE_TIME_TYPE if first_invoice == last_invoice else LOYAL_TYPE


class LifetimeValue(NamedTuple):
    margin_to_date: float
    annual_margin: float
    churn_rate: float  # percent a year, observed in the customer's tier
    expected_years: float  # expected remaining years, undiscounted, within the horizon
    discount_factor: float  # the discounted years the annual margin is multiplied by
    future_margin: float
    total: float


def lifetime_value(margin_to_date, annual_margin, churn_rate, discount_rate, horizon, lost=False):
    """Margin to date plus the expected future margin: the annual margin in each year of
    ``horizon``, weighted by the chance the customer is still with us (one minus the
    yearly ``churn_rate``, in percent, per year) and discounted at ``discount_rate``
    percent a year. A customer already lost has no future margin."""
    retention = 0.0 if lost else min(max(1 - churn_rate / 100, 0.0), 1.0)
    discount = 1 + discount_rate / 100
    years = range(1, horizon + 1)
    expected_years = sum(retention**year for year in years)
    factor = sum((retention / discount) ** year for year in years)
    future = annual_margin * factor
    return LifetimeValue(
        margin_to_date,
        annual_margin,
        churn_rate,
        expected_years,
        factor,
        future,
        margin_to_date + future,
    )
