from . import factoring_approval_import
from . import factoring_statement_import
from . import factoring_batch_reject
