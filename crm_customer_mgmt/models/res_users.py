from odoo import api, models
from odoo.exceptions import RedirectWarning

from .res_partner import MANAGER_GROUP


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        if "active" in vals and not vals["active"]:
            self._check_no_customers_left()
        return super().write(vals)

    def _check_no_customers_left(self):
        """A rep who still sells to customers or keeps their cards is not archived: the
        supervisor is sent to the hand-over, prefilled with the rep."""
        Handover = self.env["crm.customer.handover"]
        Partner = self.env["res.partner"].sudo()
        for user in self.filtered("active"):
            count = Partner.search_count(Handover._owned_domain(user))
            if count:
                raise RedirectWarning(
                    self.env._(
                        "%(user)s is still the salesperson or card owner of %(count)s"
                        " customers. Hand them over to other reps before archiving"
                        " %(user)s.",
                        user=user.name,
                        count=count,
                    ),
                    self.env.ref("crm_customer_mgmt.crm_customer_handover_action").id,
                    self.env._("Hand Over Customers"),
                    {"default_from_user_id": user.id, "default_scope": "all"},
                )

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
