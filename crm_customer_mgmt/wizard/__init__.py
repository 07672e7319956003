from . import crm_customer_stage_wizard
from . import crm_customer_warning_acknowledge
