from . import credit_limit_request
