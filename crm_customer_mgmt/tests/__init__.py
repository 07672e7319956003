from . import test_customer_card
from . import test_card_access
