from odoo import api, models

from ..engine.opportunities import OPPORTUNITY_METRICS, facts_of_measures


class CrmCustomerWarningRule(models.Model):
    _inherit = "crm.customer.warning.rule"

    @api.model
    def _warning_metrics(self):
        return {**super()._warning_metrics(), **OPPORTUNITY_METRICS}

    @api.model
    def _facts_of_measures(self, row):
        return {**super()._facts_of_measures(row), **facts_of_measures(row)}
