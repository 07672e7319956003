from . import crm_customer_stage_wizard
