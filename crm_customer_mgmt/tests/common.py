from contextlib import contextmanager

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase


class CustomerCardCase(TransactionCase):
    """Own evaluation criteria, so that the results do not depend on the shipped ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Criterion = cls.env["crm.customer.evaluation.criterion"]
        Criterion.search([]).write({"active": False})
        cls.crit_network, cls.crit_promotion, cls.crit_reputation = Criterion.create(
            [
                {"name": "Network", "weight": 50, "sequence": 1},
                {"name": "Promotion", "weight": 30, "sequence": 2},
                {"name": "Reputation", "weight": 20, "sequence": 3},
            ]
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Jinhai Hardware Co.", "is_company": True}
        )

    def _evaluate(self, partner, scores):
        """Writes evaluation lines: ``scores`` maps a criterion to a score or None."""
        partner.write(
            {
                "customer_evaluation_ids": [
                    (
                        0,
                        0,
                        {
                            "criterion_id": criterion.id,
                            "score": score or 0,
                            "scored": score is not None,
                        },
                    )
                    for criterion, score in scores.items()
                ]
            }
        )

    @contextmanager
    def assertRefused(self, pattern):
        """A ValidationError whose message matches ``pattern``, rolled back to a savepoint."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)
