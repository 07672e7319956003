from . import crm_customer_stage_wizard
from . import crm_customer_warning_acknowledge
from . import crm_customer_warning_preview
from . import crm_customer_warning_preview_line
from . import crm_customer_warning_backtest
from . import crm_customer_warning_backtest_line
from . import crm_customer_handover
