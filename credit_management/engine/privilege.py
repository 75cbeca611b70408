"""Privileges the suite's own actions grant to the code they run.

Some fields may only change through one action: a credit hold through the
hold and release actions, a limit request's decision through approve and
refuse, the dispute or write-off a journal entry settles through the dispute
and write-off flows. The action grants its privilege for the duration of the
write; ``create``/``write`` refuse those fields without it. A context
variable, unlike an Odoo context key, cannot be set by an RPC caller.

Vocabulary: ``PARTNER_HOLD`` (hold fields of a partner), ``PARTNER_MERGE``
(the credit data Odoo's partner merge carries from the merged partners to
the one kept: values of existing records, never a caller's), ``LIMIT_DECISION``
(decision fields of a limit request), ``DISPUTE_CREDIT_NOTE`` and
``WRITEOFF_ENTRY`` (the links of a journal entry to a dispute or a case),
``DUNNING_RUN`` (the fields of dunning runs and reminders that drive levels,
holds, cases and charges: date, origin, state, totals, customer...),
``SNAPSHOT`` (the rows of the monthly receivables history), ``AGED_REPORT``
and ``BACKTEST`` (the computed rows and figures of the aged receivables and
of a cash-in forecast backtest).
"""

import contextvars
from contextlib import contextmanager

PARTNER_HOLD = "partner_hold"
PARTNER_MERGE = "partner_merge"
LIMIT_DECISION = "limit_decision"
DISPUTE_CREDIT_NOTE = "dispute_credit_note"
WRITEOFF_ENTRY = "writeoff_entry"
DUNNING_RUN = "dunning_run"
SNAPSHOT = "snapshot"
AGED_REPORT = "aged_report"
BACKTEST = "cashin_backtest"

_granted = contextvars.ContextVar("credit_privileges", default=frozenset())


@contextmanager
def granted(*names):
    """Grants ``names`` to the code run in the block (and only there)."""
    token = _granted.set(_granted.get() | frozenset(names))
    try:
        yield
    finally:
        _granted.reset(token)


def has(name):
    return name in _granted.get()


def loading_data(env):
    """Module data (demo records) loaded by the superuser while the registry
    installs or updates modules: no RPC caller can be in that position."""
    return env.su and not env.registry.ready
