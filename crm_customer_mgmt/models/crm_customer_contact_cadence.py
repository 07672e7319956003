from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..engine import contacts as contact_engine


class CrmCustomerContactCadence(models.Model):
    """How many days may pass between two contacts with a customer of a value tier and a
    relationship stage; the most specific cadence that fits a customer applies."""

    _name = "crm.customer.contact.cadence"
    _description = "Customer Contact Cadence"
    _inherit = ["mail.thread"]
    _order = "interval_days, id"

    value_tier = fields.Selection(
        selection=lambda self: self.env["res.partner"]._fields["value_tier"].selection,
        tracking=True,
        help="Customers of this tier; empty: any tier.",
    )
    stage_id = fields.Many2one(
        "crm.customer.stage",
        string="Relationship Stage",
        ondelete="cascade",
        tracking=True,
        help="Customers in this stage; empty: any stage. A cadence for a stage comes before"
        " one for a tier only.",
    )
    interval_days = fields.Integer(
        string="Contact Every (days)",
        required=True,
        default=30,
        tracking=True,
        help="Days that may pass between two contacts before the next one is late.",
    )
    active = fields.Boolean(default=True)

    _tier_stage_unique = models.UniqueIndex(
        "(COALESCE(value_tier, ''), COALESCE(stage_id, 0)) WHERE active",
        "There is already a cadence for this tier and stage.",
    )

    @api.depends("value_tier", "stage_id", "interval_days")
    def _compute_display_name(self):
        tiers = dict(self._fields["value_tier"]._description_selection(self.env))
        for cadence in self:
            who = " / ".join(
                filter(None, (tiers.get(cadence.value_tier), cadence.stage_id.name))
            ) or self.env._("Any customer")
            cadence.display_name = self.env._(
                "%(who)s: every %(days)s days", who=who, days=cadence.interval_days
            )

    @api.constrains("interval_days")
    def _check_interval(self):
        low, high = contact_engine.CADENCE_BOUNDS
        for cadence in self:
            if not low <= cadence.interval_days <= high:
                raise ValidationError(
                    self.env._(
                        "A contact cadence is between %(low)s and %(high)s days, not %(days)s.",
                        low=low,
                        high=high,
                        days=cadence.interval_days,
                    )
                )

    @api.model
    def _engine_cadences(self):
        """The active cadences as the engine reads them."""
        return [
            contact_engine.Cadence(
                cadence.id,
                cadence.interval_days,
                cadence.value_tier or None,
                cadence.stage_id.id or None,
            )
            for cadence in self.search([])
        ]
