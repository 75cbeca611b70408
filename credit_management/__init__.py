from . import models
from . import wizard
from .engine import balance, exposure


def uninstall_hook(env):
    # The trigger first: journal items must stay writable once the table is gone.
    balance.uninstall(env.cr)
    exposure.drop_functions(env.cr)
