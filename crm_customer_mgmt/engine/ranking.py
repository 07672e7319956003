"""Customer ranking: ABC classes by cumulative revenue and the customer value pyramid."""

from bisect import bisect_left, bisect_right
from math import ceil


def abc_classes(revenues, a_share=80.0, b_share=95.0):
    """Class per customer from ``revenues`` (customer -> amount).

    Customers are taken by revenue, largest first: a customer is A while the revenue before it
    is under ``a_share`` percent of the total, B while under ``b_share``, else C. Customers
    with no positive revenue are C.
    """
    ranked = _ranked(revenues)
    total = sum(amount for _key, amount in ranked)
    classes = dict.fromkeys(revenues, "C")
    before = 0.0
    for key, amount in ranked:
        share_before = 100.0 * before / total
        classes[key] = "A" if share_before < a_share else "B" if share_before < b_share else "C"
        before += amount
    return classes


def value_tiers(values, vip=1.0, key=4.0, ordinary=15.0):
    """Pyramid tier per customer from ``values`` (customer -> value).

    The top ``vip`` percent of customers by value are ``vip``, the next ``key`` percent
    ``key``, the next ``ordinary`` percent ``ordinary``; the rest, and every customer
    without a positive value, are ``small``. Cut-offs are cumulative and rounded up, so the
    top customer is always VIP and a small population may leave a tier empty.
    """
    ranked = _ranked(values)
    count = len(values)
    cuts = [
        (ceil(count * vip / 100), "vip"),
        (ceil(count * (vip + key) / 100), "key"),
        (ceil(count * (vip + key + ordinary) / 100), "ordinary"),
    ]
    tiers = dict.fromkeys(values, "small")
    for position, (customer, _value) in enumerate(ranked):
        tiers[customer] = next((tier for cut, tier in cuts if position < cut), "small")
    return tiers


def _ranked(amounts):
    """Customers with a positive amount, largest first; ties keep a stable order by key."""
    positive = [(key, amount) for key, amount in amounts.items() if amount > 0]
    return sorted(positive, key=lambda item: (-item[1], item[0]))


def cost_customers(revenue_classes, profit_classes, profits):
    """Customers high on revenue and low or negative on profit (成本客户): class A by
    revenue, and class C by profit or no profit at all."""
    return {
        key: revenue_classes[key] == "A"
        and (profit_classes.get(key, "C") == "C" or profits.get(key, 0.0) <= 0)
        for key in revenue_classes
    }


def quintiles(values, higher_is_better=True, ties_high=False):
    """Score 1-5 per customer from ``values`` (customer -> number): 5 for the best fifth, 1
    for the worst, however few the customers (the best of two scores 5). Equal values score
    the same: the lowest score of their group (a score counts the customers strictly worse
    than this one), or with ``ties_high`` the highest (it counts those strictly better: the
    customers invoiced on the last day are all the most recent, not all the least)."""
    ordered = sorted(values.values())
    span = max(len(ordered) - 1, 1)
    scores = {}
    for key, value in values.items():
        worse, better = bisect_left(ordered, value), len(ordered) - bisect_right(ordered, value)
        if not higher_is_better:
            worse, better = better, worse
        position = span - better if ties_high else worse
        scores[key] = 1 + min(4, 5 * position // span)
    return scores
