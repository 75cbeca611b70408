from . import credit_insurance_cover_request
