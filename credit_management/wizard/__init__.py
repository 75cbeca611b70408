from . import credit_hold_wizard
from . import credit_override_wizard
from . import credit_limit_import
