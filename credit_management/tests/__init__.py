from . import test_concurrency
from . import test_credit_check
from . import test_exposure
from . import test_limit_request
from . import test_review
from . import test_score
from . import test_security
from . import test_tour
