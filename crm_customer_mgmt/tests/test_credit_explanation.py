import re
from datetime import date

from odoo.tests import tagged

from .common import MetricsCase

TODAY = date(2026, 6, 30)


@tagged("post_install", "-at_install")
class TestCreditExplanation(MetricsCase):
    def test_explanation_names_the_factors_left_out(self):
        customer = self._customer("Young Customer Co.")
        self._pay(self._invoice(customer, date(2026, 3, 1), 1000), date(2026, 3, 20))
        self._pass(customer, TODAY)
        explanation = customer.credit_score_explanation
        maximums = [float(m) for m in re.findall(r"/ ([\d.]+) points", explanation)]
        self.assertAlmostEqual(sum(maximums), 100, delta=0.5)
        self.assertIn("Left out for lack of data:", explanation)
        self.assertIn("their maximums add up to 100", explanation)
