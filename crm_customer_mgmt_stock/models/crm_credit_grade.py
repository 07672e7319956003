from odoo import fields, models


class CrmCreditGrade(models.Model):
    _inherit = "crm.credit.grade"

    hold_deliveries = fields.Boolean(
        help="Deliveries to customers with this grade wait for a customer supervisor, also "
        "those of orders confirmed before the customer got the grade.",
    )
