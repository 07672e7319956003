"""Hand-over: which new rep each customer of a leaving rep goes to.

Both ways are deterministic: the customers come in a fixed order (by name) and so do the
reps, so the same hand-over gives the same result.
"""

ROUND_ROBIN = "round_robin"
BALANCED = "balanced"


def round_robin(customers, reps):
    """Customer -> rep, the reps taking the customers in turn."""
    return {customer: reps[index % len(reps)] for index, customer in enumerate(customers)}


def balanced(customers, reps, loads):
    """Customer -> rep, each customer to the rep who has the fewest customers so far
    (``loads``: rep -> customers he or she has now); a tie goes to the rep listed first."""
    load = {rep: loads.get(rep, 0) for rep in reps}
    rank = {rep: index for index, rep in enumerate(reps)}
    allocation = {}
    for customer in customers:
        rep = min(reps, key=lambda candidate: (load[candidate], rank[candidate]))
        allocation[customer] = rep
        load[rep] += 1
    return allocation


def allocate(customers, reps, mode, loads=None):
    """Customer -> rep by ``mode`` (ROUND_ROBIN or BALANCED); one rep takes them all."""
    if not reps:
        raise ValueError("allocate: no rep to hand over to")
    if mode == BALANCED:
        return balanced(customers, reps, loads or {})
    return round_robin(customers, reps)
