"""Fast, consistent benchmark data: a few documents through the ORM, then
multiplied in SQL.

Every copy keeps the invariants Odoo relies on: balanced moves, receivable
lines with their maturity and residual equal to their balance (open), the
commercial partner of the line, company and currency columns, posted state
and unique names. Copies are made column by column from real rows, so every
column Odoo filled is filled in the copies too.
"""

import statistics
import time
from contextlib import contextmanager

from odoo import Command, fields
from odoo.sql_db import db_connect
from odoo.tools import SQL


def columns(env, table, exclude=("id",)):
    rows = env.execute_query(
        SQL(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s ORDER BY ordinal_position",
            table,
        )
    )
    return [name for (name,) in rows if name not in exclude]


def ensure_chart(env):
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    return company


def template_invoice(env, partner, amount=100.0):
    """One posted customer invoice without tax, the pattern of every copy."""
    # odoo.addons is importable once Odoo's configuration is parsed.
    from odoo.addons.credit_management.engine import check

    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": fields.Date.today(),
            "invoice_line_ids": [
                Command.create({"name": "Bench", "price_unit": amount, "tax_ids": []})
            ],
        }
    )
    with check.skipped():
        move._post(soft=False)
    return move


@contextmanager
def indexes_dropped(env, tables):
    """Drops the secondary indexes of ``tables`` for a bulk load and builds
    them again afterwards (much faster than updating them row by row; the
    trigram indexes of Odoo are the slowest). Unique indexes stay."""
    definitions = env.execute_query(
        SQL(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
              JOIN pg_index x ON x.indexrelid = (quote_ident(i.indexname))::regclass
             WHERE i.tablename = ANY(%s) AND NOT x.indisunique
            """,
            list(tables),
        )
    )
    for name, _definition in definitions:
        env.cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
    try:
        yield
    finally:
        for _name, definition in definitions:
            env.cr.execute(definition)


@contextmanager
def foreign_keys_dropped(env, tables):
    """Drops the foreign keys of ``tables`` for a bulk load and adds them back
    afterwards: PostgreSQL then checks every row in one join instead of one
    trigger call per row (the owner of the tables may do this; disabling the
    triggers would need a superuser). A copy that broke a reference fails
    here."""
    definitions = env.execute_query(
        SQL(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
              FROM pg_constraint
             WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)
            """,
            list(tables),
        )
    )
    for table, name, _definition in definitions:
        env.cr.execute(
            SQL("ALTER TABLE %s DROP CONSTRAINT %s", SQL.identifier(table), SQL.identifier(name))
        )
    try:
        yield
    finally:
        for table, name, definition in definitions:
            env.cr.execute(
                SQL(
                    "ALTER TABLE %s ADD CONSTRAINT %s %s",
                    SQL.identifier(table),
                    SQL.identifier(name),
                    SQL(definition),
                )
            )


def vacuum(env, tables):
    """VACUUM ANALYZE after a bulk load, as autovacuum would soon do on a live
    database: without a visibility map PostgreSQL cannot answer from the
    covering indexes alone."""
    with db_connect(env.cr.dbname).cursor() as cr:
        cr._cnx.autocommit = True
        for table in tables:
            cr.execute(SQL("VACUUM ANALYZE %s", SQL.identifier(table)))


def copy_rows(env, table, alias, from_clause, overrides):
    """INSERT INTO ``table`` every column of the rows ``alias`` of
    ``from_clause``, with ``overrides`` (column: SQL) in place of some."""
    cols = [col for col in columns(env, table, exclude=()) if col != "id" or "id" in overrides]
    values = SQL(", ").join(
        overrides.get(col) or SQL("%s.%s", SQL.identifier(alias), SQL.identifier(col))
        for col in cols
    )
    return SQL(
        "INSERT INTO %s (%s) SELECT %s FROM %s",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(col) for col in cols),
        values,
        from_clause,
    )


def multiply_invoice(
    env, template, partner_ids, per_partner, prefix, *, spread_days=180, overdue_only=False
):
    """Copies ``template`` ``per_partner`` times for each partner in
    ``partner_ids``; maturities spread over ``spread_days`` around today, so
    about half the items are overdue (``overdue_only``: all of them, 1 to
    ``spread_days`` days late). Returns the number of moves made."""
    env.cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_new_moves AS
            SELECT nextval('account_move_id_seq') AS id, p.pid AS partner_id, g.n,
                   (CURRENT_DATE + ((g.n * 7919 + p.pid) %% %(spread)s - %(half)s))::date
                       AS maturity
              FROM unnest(%(partners)s::integer[]) AS p(pid)
             CROSS JOIN generate_series(1, %(per)s) AS g(n)
            """,
            spread=spread_days,
            half=spread_days if overdue_only else spread_days // 2,
            partners=list(partner_ids),
            per=per_partner,
        )
    )
    name = SQL("%s || '/' || n.partner_id || '/' || n.n", prefix)
    env.cr.execute(
        copy_rows(
            env,
            "account_move",
            "m",
            SQL("bench_new_moves n, account_move m WHERE m.id = %s", template.id),
            {
                "id": SQL("n.id"),
                "partner_id": SQL("n.partner_id"),
                "commercial_partner_id": SQL("n.partner_id"),
                "name": name,
                "payment_reference": name,
                "invoice_date_due": SQL("n.maturity"),
            },
        )
    )
    env.cr.execute(
        copy_rows(
            env,
            "account_move_line",
            "l",
            SQL("bench_new_moves n, account_move_line l WHERE l.move_id = %s", template.id),
            {
                "move_id": SQL("n.id"),
                "partner_id": SQL("n.partner_id"),
                "move_name": name,
                "date_maturity": SQL(
                    "CASE WHEN l.display_type = 'payment_term' THEN n.maturity "
                    "ELSE l.date_maturity END"
                ),
            },
        )
    )
    count = env.execute_query(SQL("SELECT count(*) FROM bench_new_moves"))[0][0]
    env.cr.execute(SQL("DROP TABLE bench_new_moves"))
    return count


def make_partners(env, count, prefix):
    """``count`` companies copied in SQL from one made through the ORM."""
    template = env["res.partner"].create({"name": f"{prefix} template", "is_company": True})
    name = SQL("%s || ' ' || g.n", prefix)
    insert = copy_rows(
        env,
        "res_partner",
        "p",
        SQL("generate_series(1, %s) g(n), res_partner p WHERE p.id = %s", count, template.id),
        {"name": name, "complete_name": name, "commercial_partner_id": SQL("NULL")},
    )
    ids = [row[0] for row in env.execute_query(SQL("%s RETURNING id", insert))]
    env.cr.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", ids))
    return ids


def set_limits(env, partner_ids, company, amount_of):
    """Company-dependent credit limits, written as Odoo stores them (jsonb)."""
    env.cr.execute(
        SQL(
            """
            UPDATE res_partner p
               SET credit_limit = jsonb_build_object(%s::text, v.amount)
              FROM unnest(%s::integer[], %s::numeric[]) AS v(pid, amount)
             WHERE p.id = v.pid
            """,
            company.id,
            list(partner_ids),
            [amount_of(pid) for pid in partner_ids],
        )
    )


def timed(function, repeat):
    """(median, min, max) wall time of ``repeat`` calls of ``function``."""
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations), min(durations), max(durations)
