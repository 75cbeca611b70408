from . import factoring_approval_import
from . import factoring_batch_reject
