from odoo import fields, models


class CrmCustomerWarningAcknowledge(models.TransientModel):
    _name = "crm.customer.warning.acknowledge"
    _description = "Acknowledge a Customer Warning"

    note = fields.Text(required=True)
    snooze_until = fields.Date(help="Hide the warning from the open ones until this date.")

    def action_apply(self):
        warnings = self.env["crm.customer.warning"].browse(self.env.context.get("active_ids"))
        warnings.action_acknowledge(self.note)
        if self.snooze_until:
            warnings.action_snooze(self.snooze_until)
        return {"type": "ir.actions.act_window_close"}
