from . import models
from . import wizard
from .engine import exposure


def uninstall_hook(env):
    exposure.drop_functions(env.cr)
