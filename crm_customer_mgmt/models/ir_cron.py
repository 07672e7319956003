from odoo import models

# models whose cron is one run at a time per company, with the method that refuses a start
EXCLUSIVE_RUNS = ("crm.customer.metrics", "crm.customer.warning.rule")


class IrCron(models.Model):
    _inherit = "ir.cron"

    def method_direct_trigger(self):
        """Run Manually says at once that a pass or rule run is going on, instead of
        starting a job that would only step aside."""
        self.ensure_one()
        if self.model_id.model in EXCLUSIVE_RUNS:
            model = self.env[self.model_id.model].with_user(self.user_id)
            model.with_company(self.user_id.company_id)._check_not_running()
        return super().method_direct_trigger()
