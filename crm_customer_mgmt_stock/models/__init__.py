from . import crm_credit_grade
from . import stock_picking
