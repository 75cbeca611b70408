"""Prepared statements for the small queries run on every credit check.

The status query of one partner executes in about 2 ms but takes PostgreSQL
four to six more to plan: it joins the exposure buckets (open balances,
draft invoices, orders to invoice, whatever an integrator adds) over tables
with dozens of indexes each. Prepared once per database connection with its
values as parameters, it is planned a few times and then runs on a cached
generic plan: planning leaves the posting path. PostgreSQL replans by itself
when a table, index or function it uses changes.

A prepared statement belongs to the database session, not to the
transaction: a rollback keeps it, and the statement is looked up by name in
``pg_prepared_statements`` before use, so a connection that never saw it (a
new one from the pool) prepares it first.
"""

import datetime
import hashlib
from decimal import Decimal

from odoo.tools import SQL

INT4_MAX = 2**31 - 1


SCALAR_TYPES = (
    # bool before int: a bool is an int in Python
    (bool, "boolean"),
    (int, "bigint"),
    ((float, Decimal), "numeric"),
    # a string takes the type its place in the query asks for (a date
    # compared with a date column), as it does in a plain query
    (str, "unknown"),
    (datetime.datetime, "timestamp"),
    (datetime.date, "date"),
)


def _type(value):
    """PostgreSQL type of a parameter, or None where it cannot be told
    (None, a mixed list, anything else)."""
    if isinstance(value, (list, tuple)):
        if not value:
            return "integer[]"  # ids: the only lists the status query takes
        kinds = {_type(item) for item in value}
        kind = kinds.pop() if len(kinds) == 1 else None
        plain = kind and kind != "unknown" and not kind.endswith("[]")
        return f"{kind}[]" if plain else None
    for python_type, pg_type in SCALAR_TYPES:
        if isinstance(value, python_type):
            if pg_type == "bigint" and abs(value) <= INT4_MAX:
                return "integer"
            return pg_type
    return None


def execute(cr, query, version=""):
    """Executes ``query`` (an :class:`SQL`) as a prepared statement of the
    cursor's connection; as a plain query when a parameter's type cannot be
    told. Fetch the result from ``cr`` as usual.

    ``version`` goes into the statement's name: pass what changes when the
    result's columns may (the registry's sequence), so that a connection
    prepares the query anew instead of executing a statement whose result
    type no longer holds."""
    types = [_type(value) for value in query.params]
    if not types or None in types:
        cr.execute(query)
        return
    placeholders = tuple(f"${position}" for position in range(1, len(types) + 1))
    text = query.code % placeholders
    digest = hashlib.sha1(f"{version}|{text}|{','.join(types)}".encode(), usedforsecurity=False)
    name = f"credit_{digest.hexdigest()[:24]}"
    cr.execute(SQL("SELECT 1 FROM pg_prepared_statements WHERE name = %s", name))
    if not cr.fetchone():
        cr.execute(
            SQL(
                "PREPARE %s (%s) AS %s",
                SQL.identifier(name),
                SQL(", ".join(types)),
                SQL(text.replace("%", "%%")),
            )
        )
    arguments = SQL(", ").join(
        SQL("%s", list(value) if isinstance(value, tuple) else value) for value in query.params
    )
    cr.execute(SQL("EXECUTE %s (%s)", SQL.identifier(name), arguments))
