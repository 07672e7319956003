"""Warning metrics of the sales progress, read from the opportunities the nightly pass
measured per customer: open ones, the longest stall in a stage, those won and lost in the
period. Registered here, not in the main engine's ``METRICS``: rules read them only where
this module is installed (``crm.customer.warning.rule._warning_metrics()``)."""

# The engine has no environment: its _() only marks templates for the exporter.
# pylint: disable=prefer-env-translation
from odoo.addons.crm_customer_mgmt.engine.warnings import DAYS, Metric, Reading

OPPORTUNITY_METRICS = {}  # key -> Metric


def _(template):
    """Marks a template for translation; the caller translates it."""
    return template


def metric(key, label, **options):
    def register(function):
        OPPORTUNITY_METRICS[key] = Metric(label, function, **options)
        return function

    return register


def facts_of_measures(row):
    """The facts the metrics read from a customer's measures, zero when not measured yet;
    no stall without an open opportunity."""
    return {
        "opportunities_open": row.get("opportunities_open") or 0,
        "opportunity_stalled_days": row.get("opportunity_stalled_days"),
        "opportunities_won": row.get("opportunities_won") or 0,
        "opportunities_won_prev": row.get("opportunities_won_prev") or 0,
        "opportunities_lost": row.get("opportunities_lost") or 0,
        "opportunities_lost_prev": row.get("opportunities_lost_prev") or 0,
    }


@metric("opportunities_open", _("Open opportunities"))
def opportunities_open(facts):
    count = facts["opportunities_open"]
    return Reading(count, _("%(count)s open opportunities"), {"count": count})


@metric("opportunity_stalled_days", _("Days an opportunity has stalled"), unit=DAYS)
def opportunity_stalled_days(facts):
    days = facts["opportunity_stalled_days"]
    if days is None:
        return Reading(None, _("no open opportunity"))
    return Reading(
        days, _("an opportunity has stalled in its stage %(days)s days"), {"days": days}
    )


@metric(
    "opportunities_lost",
    _("Opportunities lost in the period"),
    previous=lambda facts: facts["opportunities_lost_prev"],
)
def opportunities_lost(facts):
    count = facts["opportunities_lost"]
    return Reading(count, _("%(count)s opportunities lost"), {"count": count})


@metric(
    "opportunities_won",
    _("Opportunities won in the period"),
    previous=lambda facts: facts["opportunities_won_prev"],
)
def opportunities_won(facts):
    count = facts["opportunities_won"]
    return Reading(count, _("%(count)s opportunities won"), {"count": count})
