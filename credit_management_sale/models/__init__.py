from . import account_move
from . import credit_exposure
from . import credit_override
from . import payment_transaction
from . import res_partner
from . import sale_order
