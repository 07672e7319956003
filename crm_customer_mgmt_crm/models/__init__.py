from . import crm_customer_contact
from . import crm_customer_metrics
from . import crm_customer_warning_rule
from . import crm_lead
