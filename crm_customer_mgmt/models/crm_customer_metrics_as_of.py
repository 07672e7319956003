# crm.customer.metrics is split by concern: the table, the SQL of its sources, the pass, and
# the measures as of a past day
# pylint: disable=consider-merging-classes-inherited
from odoo import models
from odoo.tools import SQL

from .crm_customer_metrics import AS_OF_NONE

# sums come back as Decimal from the temporary table, as float from the metrics table
NUMBERS = {"float": float, "monetary": float, "integer": int}


class CrmCustomerMetrics(models.Model):
    """The measures of customers as of a past day, for a back-test: what the pass would have
    stored had it run that day, read from the ledger, and written nowhere. Each measure is
    read as its declaration says (``Measure.as_of``)."""

    _inherit = "crm.customer.metrics"

    def _measure_as_of(self, partner_ids, day):
        """Partner id -> every measure as of the end of ``day``, as ``_measure_values()``
        returns the stored ones: one statement for all the customers; a customer with no
        document by then measures as empty (zeros, no dates). A measure declared
        ``AS_OF_NONE`` reads None. The metrics table is left alone."""
        if not partner_ids:
            return {}
        definitions = self._measure_definitions()
        measures = [measure for measure in definitions if measure.as_of != AS_OF_NONE]
        self._measure_prepare()
        self._measure_into_temporary_table(
            measures, self._window(partner_ids, day)._replace(as_of=True)
        )
        empty = dict.fromkeys(measure.name for measure in definitions)
        names = [measure.name for measure in measures]
        return {
            pid: {**empty, **dict(zip(names, row, strict=True))}
            for pid, *row in self._measure_as_of_rows(measures)
        }

    def _measure_as_of_rows(self, measures):
        """The rows measured, each value of the Python type the metrics table reads back
        (so that they compare equal to stored ones); the temporary table is dropped."""
        rows = self.env.execute_query(
            SQL(
                "SELECT partner_id, %s FROM crm_customer_measured",
                SQL(", ").join(SQL.identifier(measure.name) for measure in measures),
            )
        )
        self.env.execute_query(SQL("DROP TABLE crm_customer_measured"))
        kinds = [NUMBERS.get(self._fields[measure.name].type) for measure in measures]
        return [
            (
                pid,
                *(
                    kind(value) if kind and value is not None else value
                    for kind, value in zip(kinds, row, strict=True)
                ),
            )
            for pid, *row in rows
        ]
