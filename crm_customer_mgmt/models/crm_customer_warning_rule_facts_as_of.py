# crm.customer.warning.rule is split by concern: the rules, the facts they read, and those
# facts as of a past day
# pylint: disable=consider-merging-classes-inherited
from datetime import datetime, time, timedelta

from odoo import api, models
from odoo.tools import SQL

from .crm_customer_metrics_pass import BATCH_SIZE
from .crm_customer_warning_rule_facts import SIGNALS

# How the facts read the partner's signals (SIGNALS) as of a past day:
# from their tracking history (the old value of their first change after the day)
TRACKED_SIGNALS = ("card_review_date", "annual_sales_target")
# not known for a past day, counted as nothing: what confirmed orders had left to invoice then
UNKNOWN_SIGNALS = {"credit_to_invoice": 0.0}
# from the measures as of the day, as the pass would have written it on the partner
MEASURED_SIGNALS = ("last_order_date",)
# any other signal has no history and is read as it is now: card_completeness, credit_limit,
# contact_cadence_days

# the tracked value of a field type, from a row (datetime, float, integer, char)
OLD_VALUES = {
    "date": lambda row: row[0] and row[0].date(),
    "datetime": lambda row: row[0],
    "float": lambda row: row[1],
    "monetary": lambda row: row[1],
    "integer": lambda row: row[2],
    "boolean": lambda row: bool(row[2]),
}


def _last_order(row):
    """The partner's last order date as the pass writes it: last invoice or confirmed order."""
    return max(filter(None, (row["last_invoice_date"], row["last_sale_order_date"])), default=None)


class CrmCustomerWarningRule(models.Model):
    """The facts of ``_warning_facts()`` as of a past day, for a back-test: the measures
    from the ledger as of the day (``crm.customer.metrics._measure_as_of()``), the wallet
    shares of the periods around it with our sales up to it, the stage and grade histories
    and key contacts up to it, the partner's tracked signals from their history. Nothing is
    written."""

    _inherit = "crm.customer.warning.rule"

    @api.model
    def _warning_facts_as_of(self, partners, period_days, day):
        """Customer id -> the facts the warning metrics read, as of the end of ``day``."""
        return dict(self._warning_facts_as_of_days(partners, period_days, [day]))[day]

    @api.model
    def _warning_facts_as_of_days(self, partners, period_days, days):
        """Yields ``(day, facts)`` for each of ``days`` in turn, so that a caller can show
        its progress: one measuring statement per day for all the customers (see
        ``crm.customer.metrics._measure_as_of_days()``), the signals read as they are now
        fetched once."""
        now = self._signals_now(partners)
        Metrics = self.env["crm.customer.metrics"]
        for window, measures in Metrics._measure_as_of_days(partners.ids, days):
            facts = {}
            for start in range(0, len(partners), BATCH_SIZE):
                ids = partners[start : start + BATCH_SIZE].ids
                facts.update(
                    self._warning_facts_as_of_batch(ids, period_days, window.today, now, measures)
                )
                self.env.invalidate_all()
            yield window.today, facts

    def _signals_now(self, partners):
        """Partner id -> the signals read as they are now (tracked ones included: their
        current value stands where they did not change since the day)."""
        names = [
            name
            for name in SIGNALS
            if name not in UNKNOWN_SIGNALS and name not in MEASURED_SIGNALS
        ]
        signals = {}
        for start in range(0, len(partners), BATCH_SIZE):
            signals.update(partners[start : start + BATCH_SIZE]._odoo_signals(names))
            self.env.invalidate_all()
        return signals

    def _warning_facts_as_of_batch(self, ids, period_days, day, now, measures):
        since = day - timedelta(days=period_days)
        tracked = self._tracked_as_of(ids, day)
        signals = {
            pid: {
                **now[pid],
                **tracked.get(pid, {}),
                **UNKNOWN_SIGNALS,
                "last_order_date": _last_order(measures[pid]),
            }
            for pid in ids
        }
        return self._facts_assemble(
            signals,
            measures,
            self.env["crm.customer.wallet"]._shares(ids, day, as_of=True),
            {
                "stage_fell": self._stage_falls(ids, since, day),
                "grade_change": self._grade_downgrades(ids, since, day),
                "key_contact_changes": self._key_contact_changes(ids, since, day),
            },
            day,
        )

    def _tracked_as_of(self, partner_ids, day):
        """Partner id -> {signal: value at the end of ``day``} for the TRACKED_SIGNALS that
        changed after it: the old value of the first change after the day (UTC), read from
        the chatter's tracking values in one query."""
        field_ids = self.env["ir.model.fields"]._get_ids("res.partner")
        names = {field_ids[name]: name for name in TRACKED_SIGNALS}
        Partner = self.env["res.partner"]
        self.env["mail.message"].flush_model()
        self.env["mail.tracking.value"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT ON (msg.res_id, val.field_id) msg.res_id, val.field_id,
                   val.old_value_datetime, val.old_value_float, val.old_value_integer
              FROM mail_tracking_value val
              JOIN mail_message msg ON msg.id = val.mail_message_id
             WHERE msg.model = 'res.partner'
               AND msg.res_id = ANY(%s)
               AND val.field_id = ANY(%s)
               AND msg.date >= %s
          ORDER BY msg.res_id, val.field_id, msg.date, val.id
                """,
                list(partner_ids),
                list(names),
                datetime.combine(day + timedelta(days=1), time.min),
            )
        )
        tracked = {}
        for pid, field_id, *old in rows:
            name = names[field_id]
            tracked.setdefault(pid, {})[name] = OLD_VALUES[Partner._fields[name].type](old)
        return tracked
