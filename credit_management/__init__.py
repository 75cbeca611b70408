from . import controllers
from . import models
from . import wizard
from .engine import balance, exposure


def uninstall_hook(env):
    # The trigger first: journal items must stay writable once the table is gone.
    balance.uninstall(env.cr)
    exposure.drop_functions(env.cr)


def post_init_hook(env):
    # Items changed by other users while the module was installing are not
    # in the installing transaction's view (see engine/balance.py): check
    # the open balances again as soon as it commits.
    env.ref("credit_management.ir_cron_credit_open_balance_verify")._trigger()
    # The receivables history of every past month (nothing to do without
    # receivable items).
    env["credit.receivable.snapshot"]._backfill()
