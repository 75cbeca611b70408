from . import credit_insurance_cover_request
from . import credit_insurance_overdue_answer
from . import credit_insurance_limit_import
from . import credit_insurance_claim_answer
