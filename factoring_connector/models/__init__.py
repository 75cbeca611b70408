from . import factoring_file_layout
from . import factoring_contract
from . import factoring_debtor_approval
from . import factoring_batch
from . import account_move
from . import factoring_batch_file
from . import credit_dunning_run
from . import res_partner
