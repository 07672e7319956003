from . import test_customer_card
from . import test_card_access
from . import test_metrics_pass
from . import test_credit
from . import test_warnings
from . import test_care
from . import test_security_config
from . import test_security_concurrency
