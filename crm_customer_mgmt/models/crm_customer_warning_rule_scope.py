# crm.customer.warning.rule is split by concern: the rules, their run, scope and facts
# pylint: disable=consider-merging-classes-inherited

from psycopg2.errors import QueryCanceled

from odoo import models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..engine import scope as scope_engine

SCOPE_TIMEOUT_MS = 10_000  # longest a rule's scope may take to search


class CrmCustomerWarningRule(models.Model):
    """A rule's scope: the admin's filter read as literals, searched within a time limit."""

    _inherit = "crm.customer.warning.rule"

    def _scope(self):
        """The rule's customers as a domain: the scope read as literals (never evaluated)
        within the customers the pass measures."""
        try:
            domain = Domain(scope_engine.parse(self.partner_domain))
        except (ValueError, TypeError) as error:
            raise UserError(self._scope_message(error)) from None
        return Domain.AND([self.env["crm.customer.metrics"]._customer_domain(), domain])

    def _scope_message(self, error):
        code = error.detail if isinstance(error, scope_engine.ScopeError) else str(error)
        problems = {
            "operator": self.env._("operators are not allowed, only plain values: %s"),
            "call": self.env._(
                "function calls are not allowed, relative dates included (write a fixed date): %s"
            ),
            "name": self.env._("names are not allowed, write the value itself: %s"),
            "forbidden": self.env._(
                "only lists, tuples, text, numbers, True, False and None are allowed, not %s"
            ),
            "syntax": self.env._("it is not a list of conditions (%s)"),
            "shape": self.env._(
                "each condition must be (field, operator, value) or one of '&', '|', '!', not %s"
            ),
            "too_long": self.env._("it is longer than %s characters"),
            "too_large": self.env._("the number %s is too large"),
        }
        problem = getattr(error, "problem", None)
        return self.env._(
            "The scope of rule %(rule)s is not a valid filter on customers: %(error)s",
            rule=self.name,
            error=problems[problem] % code if problem in problems else code,
        )

    def _scope_ids(self, Partner, within=None):
        """Ids of the customers in scope (among the ids ``within``, when given). The search
        may take SCOPE_TIMEOUT_MS at most: the timeout is set for this query alone, then
        restored."""
        query = self._scope_query(Partner, within)
        self.env.flush_query(query)
        cr = self.env.cr
        try:
            with cr.savepoint(flush=False):
                cr.execute("SHOW statement_timeout")
                previous = cr.fetchone()[0]
                cr.execute(
                    SQL("SELECT set_config('statement_timeout', %s, true)", f"{SCOPE_TIMEOUT_MS}")
                )
                cr.execute(query, log_exceptions=False)
                ids = [row[0] for row in cr.fetchall()]
                cr.execute(SQL("SELECT set_config('statement_timeout', %s, true)", previous))
        except QueryCanceled:  # the savepoint's rollback restored the timeout
            raise UserError(
                self.env._(
                    "The scope of rule %(rule)s took longer than %(seconds)s seconds to search:"
                    " narrow it.",
                    rule=self.name,
                    seconds=SCOPE_TIMEOUT_MS / 1000,
                )
            ) from None
        return ids

    def _scope_query(self, Partner, within=None):
        domain = self._scope()
        if within is not None:
            domain &= Domain("id", "in", list(within))
        return Partner._search(domain).select()
