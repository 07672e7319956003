from odoo import api, models
from odoo.exceptions import ValidationError

from .settings import setting_of_key


class IrConfigParameter(models.Model):
    """The addon's settings are checked however they are written: through Settings or
    straight into System Parameters."""

    _inherit = "ir.config_parameter"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_setting(vals.get("key"), vals.get("value"))
        return super().create(vals_list)

    def write(self, vals):
        if {"key", "value"} & set(vals):
            for param in self:
                self._check_setting(vals.get("key", param.key), vals.get("value", param.value))
        return super().write(vals)

    @api.model
    def _check_setting(self, key, value):
        setting = setting_of_key(key)
        if not setting or value in (False, None, ""):
            return
        try:
            setting.value_of(str(value))
        except ValueError:
            raise ValidationError(self._setting_message(setting, value)) from None

    @api.model
    def _setting_message(self, setting, value):
        expected = {
            "integer": self.env._("a whole number from %(low)s to %(high)s"),
            "number": self.env._("a number from %(low)s to %(high)s"),
            "record": self.env._("the id of a record"),
            "fields": self.env._("card field names separated by commas"),
            "cursor": self.env._("a date and the last customer done, e.g. 2026-06-30:42"),
            "mark": self.env._(
                "what the nightly pass saw last, as it writes it: delete it to make the next"
                " pass a full one"
            ),
            "choice": self.env._("one of: revenue, margin, profit"),
            "rates": self.env._(
                'the month and churn rates the nightly pass keeps, e.g. {"month": "2026-06-01",'
                ' "rates": {"vip": 2.5}}'
            ),
        }[setting.kind] % {"low": setting.low, "high": setting.high}
        return self.env._(
            "The setting %(key)s must be %(expected)s, not “%(value)s”.",
            key=setting.key,
            expected=expected,
            value=str(value)[:100],
        )
