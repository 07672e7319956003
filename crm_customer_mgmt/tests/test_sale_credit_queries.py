from datetime import date, timedelta

from odoo.tests import tagged

from .common import SaleCreditCase


@tagged("post_install", "-at_install")
class TestConfirmQueries(SaleCreditCase):
    """Confirming an order runs the credit check in a constant number of queries: a
    customer with years of invoices and payments costs what a new one does."""

    def _confirm_queries(self, customer):
        order = self._quotation(customer)
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        order.action_confirm()
        self.env.flush_all()
        self.assertEqual(order.state, "sale")
        return self.cr.sql_log_count - before

    def test_confirm_costs_the_same_whatever_the_history(self):
        long_history, new = self.good, self._graded_customer("New Co.", self.grade_a, 75.0)
        start = date(2024, 1, 10)
        for month in range(24):
            when = start + timedelta(days=30 * month)
            invoice = self._invoice(long_history, when, 100 + month)
            if month % 2:
                self._pay(invoice, when + timedelta(days=20))
        self._confirm_queries(self._graded_customer("Warm Co.", self.grade_a, 75.0))
        queries = {
            "24 invoices, 12 payments": self._confirm_queries(long_history),
            "no history": self._confirm_queries(new),
        }
        self.assertEqual(len(set(queries.values())), 1, queries)
