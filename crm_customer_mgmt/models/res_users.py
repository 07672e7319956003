from odoo import api, models

from .res_partner import MANAGER_GROUP


class ResUsers(models.Model):
    _inherit = "res.users"

    def _is_customer_supervisor(self):
        """A person who may override the credit policy, confirm stages and approve scores:
        an active internal user of the supervisor group, never the superuser (OdooBot),
        whose groups are the system's."""
        self.ensure_one()
        return (
            self.active
            and not self.share
            and not self._is_superuser()
            and self.has_group(MANAGER_GROUP)
        )

    @api.model
    def _acts_as_customer_supervisor(self):
        """Whether the current action is a supervisor's own act. Portal and payment flows
        run as the superuser or in sudo: they never act as a supervisor."""
        return not self.env.su and self.env.user._is_customer_supervisor()
