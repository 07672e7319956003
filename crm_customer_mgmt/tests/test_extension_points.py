from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from ..engine import credit as credit_engine
from ..engine import warnings as warning_engine
from ..models.crm_customer_metrics import Measure
from .common import MetricsCase

TODAY = date(2026, 6, 30)
MAGIC = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}


def _refunded(facts):
    return warning_engine.Reading(
        facts["x_refunded"], "refunded %(amount)s", {"amount": facts["x_refunded"]}
    )


@tagged("post_install", "-at_install")
class TestExtensionPoints(MetricsCase):
    """Another addon adds a measure, a warning metric and a credit factor through the
    methods that declare them, without touching the pass: shown with an ``x_`` field (as an
    addon's own field would be) and the declaring methods extended for the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Hongyun Trading")
        cls.env["ir.model.fields"].create(
            {
                "model_id": cls.env["ir.model"]._get_id("crm.customer.metrics"),
                "name": "x_refunded",
                "ttype": "float",
                "field_description": "Refunded (period)",
            }
        )

    def _extended(self):
        """The declaring methods of an addon that measures the period's credit notes."""
        Metrics = type(self.env["crm.customer.metrics"])
        Rule = type(self.env["crm.customer.warning.rule"])
        Factor = type(self.env["crm.credit.factor"])
        definitions, sources = Metrics._measure_definitions, Metrics._measure_sources
        metrics, factors = Rule._warning_metrics, Factor._credit_factor_measures

        def measure_definitions(self):
            return [*definitions(self), Measure("x_refunded", "refunds", "refunds.amount")]

        def measure_sources(self, window):
            refunds = SQL(
                "SELECT sale.partner_id, -SUM(sale.amount) AS amount FROM %s sale"
                " WHERE sale.partner_id = ANY(%s) AND sale.company_id = %s"
                " AND sale.move_type = 'out_refund' AND sale.date BETWEEN %s AND %s"
                " GROUP BY sale.partner_id",
                self._sale_lines(),
                window.ids,
                window.company,
                window.cur,
                window.today,
            )
            return {**sources(self, window), "refunds": refunds}

        def warning_metrics(self):
            return {**metrics(self), "x_refunded": warning_engine.Metric("Refunded", _refunded)}

        def factor_measures(self):
            refunded = credit_engine.FactorMeasure(
                "Refunded", lambda inputs: inputs.measures["x_refunded"]
            )
            return {**factors(self), "x_refunded": refunded}

        return (
            patch.object(Metrics, "_measure_definitions", measure_definitions),
            patch.object(Metrics, "_measure_sources", measure_sources),
            patch.object(Rule, "_warning_metrics", warning_metrics),
            patch.object(Factor, "_credit_factor_measures", factor_measures),
        )

    def test_measure_declarations_match_the_fields(self):
        Metrics = self.env["crm.customer.metrics"]
        declared = [measure.name for measure in Metrics._measure_definitions()]
        self.assertEqual(len(declared), len(set(declared)), "each measure declared once")
        for name in declared:
            with self.subTest(measure=name):
                self.assertTrue(Metrics._fields[name].store)
        sources = Metrics._measure_sources(Metrics._window([self.customer.id], TODAY))
        self.assertLessEqual({m.source for m in Metrics._measure_definitions()}, set(sources))
        own = {"partner_id", "company_id", "stale", "x_refunded"}
        undeclared = set(Metrics._fields) - MAGIC - own
        self.assertEqual(undeclared - set(declared), set(), "every field is a declared measure")

    def test_an_added_measure_reaches_the_row_the_rules_the_card_and_the_score(self):
        self._invoice(self.customer, date(2026, 5, 1), 1000)
        self._invoice(self.customer, date(2026, 6, 1), 300, move_type="out_refund")
        patches = self._extended()
        with patches[0], patches[1], patches[2], patches[3]:
            self._pass(self.customer, TODAY)
            row = self.Metrics.search([("partner_id", "=", self.customer.id)])
            self.assertEqual((row.x_refunded, row.sales), (300, 700), "the row")
            rule = self.env["crm.customer.warning.rule"].create(
                {"name": "Refunds", "metric": "x_refunded", "operator": ">", "threshold": 200}
            )
            with freeze_time(TODAY):
                rule._evaluate(TODAY)
            warning = self.env["crm.customer.warning"].search([("rule_id", "=", rule.id)])
            self.assertEqual((warning.partner_id, warning.value), (self.customer, 300))
            self.assertIn("refunded 300", warning.message, "the rule's words")
            card = self.customer._customer_metrics()[self.customer.id]
            self.assertEqual(card.x_refunded, 300, "the metrics row read from the card")
            factor = self.env["crm.credit.factor"].create(
                {"key": "x_refunded", "name": "Refunds", "weight": 50, "good": 0, "bad": 1000}
            )
            self._pass(self.customer, TODAY)
            self.assertIn("Refunded: 300.0", self.customer.credit_score_explanation)
            labels = dict(factor._fields["key"]._description_selection(self.env))
            self.assertEqual(labels["x_refunded"], "Refunded", "the factor's Measure selection")
