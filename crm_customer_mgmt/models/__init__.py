from . import crm_customer_evaluation_criterion
from . import crm_customer_evaluation
from . import res_partner
from . import res_config_settings
