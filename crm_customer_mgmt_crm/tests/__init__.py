from . import test_engine_opportunities
from . import test_module
from . import test_opportunity_signals
