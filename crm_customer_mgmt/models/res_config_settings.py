from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .res_partner import (
    COMPLETENESS_CANDIDATES,
    COMPLETENESS_PARAM,
    DEFAULT_STALE_DAYS,
    STALE_DAYS_PARAM,
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    card_stale_days = fields.Integer(
        string="Card Review Interval (days)",
        config_parameter=STALE_DAYS_PARAM,
        default=DEFAULT_STALE_DAYS,
        help="A card not reviewed for longer than this is stale.",
    )
    card_completeness_field_ids = fields.Many2many(
        "ir.model.fields",
        string="Card Completeness Fields",
        domain=[("model", "=", "res.partner"), ("name", "in", COMPLETENESS_CANDIDATES)],
        help="The card fields whose filling makes a card complete.",
    )

    @api.constrains("card_stale_days")
    def _check_card_stale_days(self):
        for settings in self:
            if not 1 <= settings.card_stale_days <= 3650:
                raise ValidationError(
                    self.env._(
                        "The card review interval must be between 1 and 3650 days, not %s.",
                        settings.card_stale_days,
                    )
                )

    @api.constrains("card_completeness_field_ids")
    def _check_card_completeness_fields(self):
        for settings in self:
            if not settings.card_completeness_field_ids:
                raise ValidationError(
                    self.env._("Choose at least one field that makes a customer card complete.")
                )

    @api.model
    def get_values(self):
        res = super().get_values()
        names = self.env["res.partner"]._card_completeness_fields()
        res["card_completeness_field_ids"] = [
            fields.Command.set(self._completeness_field_records(names).ids)
        ]
        return res

    def set_values(self):
        super().set_values()
        chosen = self.card_completeness_field_ids.mapped("name")
        partners = self.env["res.partner"]
        if set(chosen) != set(partners._card_completeness_fields()):
            self.env["ir.config_parameter"].sudo().set_param(COMPLETENESS_PARAM, ",".join(chosen))
            partners._recompute_card_completeness()

    def _completeness_field_records(self, names):
        return self.env["ir.model.fields"].search(
            [("model", "=", "res.partner"), ("name", "in", names)]
        )
