from . import credit_hold_wizard
from . import credit_override_wizard
from . import credit_limit_import
from . import credit_writeoff_wizard
from . import credit_collection_handover
from . import base_partner_merge
from . import credit_aged_receivable_wizard
from . import credit_receivable_snapshot_wizard
