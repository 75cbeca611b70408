"""Open balances kept current by PostgreSQL, for exposure at any volume.

Exposure needs, per partner, the sum of its open items. Summing them on
every credit check costs a pass over all of a partner's open items (10,000
for a big wholesaler: several milliseconds on each posting), and the list of
partners over their limit pays that over every partner. So the sums are kept
in ``credit_open_balance``: one row per partner, company, account, currency
and due date, with what is owed (positive residuals) apart from what is
unapplied (payments and credit notes: negative residuals), each in company
currency and in the items' currency, and the number of items.

A row trigger on ``account_move_line`` keeps the rows current in the same
transaction as the change, whoever writes it: the ORM, a reconciliation, a
module's raw SQL. Its ``WHEN`` clause lets PostgreSQL skip the function for
rows that neither were nor become open items, and for updates that change
none of the columns the sums depend on. A row left with no item is deleted.

An open item is a posted journal item on a receivable account, with a
partner and a due date, not reconciled, with a non-zero residual in company
currency: the rule of the covering index of open items (account.move.line)
and of the dunning selection. Payables, bank and outstanding payment lines are
left out (the function returns at once for them).

Two transactions changing items of one partner with the same account,
currency and due date now update the same row: the second waits for the
first and, at Odoo's REPEATABLE READ isolation, fails to serialize and is
retried (requests are; a cron tries again at its next run). Postings checked
against credit were serialized per partner already (engine/check.py).

A write that bypasses triggers (``session_replication_role = replica``, as
``odoo-bin populate`` does; a restore with triggers disabled; changing the
type of an account that has open items) leaves the rows wrong until the
nightly check (:func:`repair`) brings them in line; :func:`differences` lists
what differs. :func:`install` runs on installation and upgrade.
"""

import hashlib

from odoo.tools import SQL

ADD_FUNCTION = SQL(
    """
    CREATE OR REPLACE FUNCTION credit_management_open_balance_add(item account_move_line,
                                                                  sign integer)
    RETURNS void LANGUAGE plpgsql AS $$
    DECLARE
        remaining integer;
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM account_account
                        WHERE id = item.account_id AND account_type = 'asset_receivable') THEN
            RETURN;
        END IF;
        INSERT INTO credit_open_balance AS b
               (company_id, partner_id, account_id, currency_id, date_due,
                debit_residual, debit_residual_currency,
                credit_residual, credit_residual_currency, items)
        VALUES (item.company_id, item.partner_id, item.account_id, item.currency_id,
                COALESCE(item.date_maturity, item.date),
                sign * GREATEST(item.amount_residual, 0),
                sign * CASE WHEN item.amount_residual > 0
                            THEN COALESCE(item.amount_residual_currency, 0) ELSE 0 END,
                sign * LEAST(item.amount_residual, 0),
                sign * CASE WHEN item.amount_residual < 0
                            THEN COALESCE(item.amount_residual_currency, 0) ELSE 0 END,
                sign)
        ON CONFLICT (partner_id, company_id, currency_id, account_id, date_due) DO UPDATE
           SET debit_residual = b.debit_residual + EXCLUDED.debit_residual,
               debit_residual_currency = b.debit_residual_currency
                                         + EXCLUDED.debit_residual_currency,
               credit_residual = b.credit_residual + EXCLUDED.credit_residual,
               credit_residual_currency = b.credit_residual_currency
                                          + EXCLUDED.credit_residual_currency,
               items = b.items + EXCLUDED.items
        RETURNING b.items INTO remaining;
        IF remaining = 0 THEN
            DELETE FROM credit_open_balance
             WHERE partner_id = item.partner_id AND company_id = item.company_id
               AND currency_id = item.currency_id AND account_id = item.account_id
               AND date_due = COALESCE(item.date_maturity, item.date) AND items = 0;
        END IF;
    END $$;
    """
)

# The journal item columns the rows of credit_open_balance are made of.
SOURCE_COLUMNS = (
    "amount_residual",
    "amount_residual_currency",
    "reconciled",
    "parent_state",
    "partner_id",
    "company_id",
    "account_id",
    "currency_id",
    "date_maturity",
    "date",
)


def _is_open(row):
    """SQL: the journal item ``row`` (OLD or NEW in a trigger) is open."""
    return SQL(
        "(%(row)s.parent_state = 'posted' AND %(row)s.reconciled IS NOT TRUE "
        "AND %(row)s.amount_residual != 0 AND %(row)s.partner_id IS NOT NULL "
        "AND COALESCE(%(row)s.date_maturity, %(row)s.date) IS NOT NULL)",
        row=SQL(row),
    )


def _columns_of(row):
    return SQL(", ").join(SQL("%s.%s", SQL(row), SQL.identifier(c)) for c in SOURCE_COLUMNS)


TRIGGER_FUNCTION = SQL(
    """
    CREATE OR REPLACE FUNCTION credit_management_open_balance() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND %(old_open)s THEN
            PERFORM credit_management_open_balance_add(OLD, -1);
        END IF;
        IF TG_OP <> 'DELETE' AND %(new_open)s THEN
            PERFORM credit_management_open_balance_add(NEW, 1);
        END IF;
        RETURN NULL;
    END $$;
    """,
    old_open=_is_open("OLD"),
    new_open=_is_open("NEW"),
)


def _trigger(name, event, when):
    return SQL(
        """CREATE TRIGGER %s AFTER %s ON account_move_line FOR EACH ROW WHEN (%s)
           EXECUTE FUNCTION credit_management_open_balance()""",
        SQL.identifier(f"credit_management_open_balance_{name}"),
        event,
        when,
    )


TRIGGERS = [
    *(
        SQL(
            "DROP TRIGGER IF EXISTS %s ON account_move_line",
            SQL.identifier(f"credit_management_open_balance_{name}"),
        )
        for name in ("insert", "update", "delete")
    ),
    _trigger("insert", SQL("INSERT"), _is_open("NEW")),
    # Only updates of the columns the rows depend on, and only where they
    # changed for an item that was or is open.
    _trigger(
        "update",
        SQL(
            "UPDATE OF %s",
            SQL(", ").join(SQL.identifier(column) for column in SOURCE_COLUMNS),
        ),
        SQL(
            "(%s OR %s) AND (%s) IS DISTINCT FROM (%s)",
            _is_open("OLD"),
            _is_open("NEW"),
            _columns_of("OLD"),
            _columns_of("NEW"),
        ),
    ),
    _trigger("delete", SQL("DELETE"), _is_open("OLD")),
]

# Every row credit_open_balance should hold, computed from the journal items.
ACTUAL = SQL(
    """
    SELECT company_id, partner_id, account_id, currency_id,
           COALESCE(date_maturity, date) AS date_due,
           SUM(GREATEST(amount_residual, 0)) AS debit_residual,
           SUM(CASE WHEN amount_residual > 0 THEN COALESCE(amount_residual_currency, 0)
                    ELSE 0 END) AS debit_residual_currency,
           SUM(LEAST(amount_residual, 0)) AS credit_residual,
           SUM(CASE WHEN amount_residual < 0 THEN COALESCE(amount_residual_currency, 0)
                    ELSE 0 END) AS credit_residual_currency,
           count(*) AS items
      FROM account_move_line
     WHERE parent_state = 'posted' AND reconciled IS NOT TRUE AND amount_residual != 0
       AND partner_id IS NOT NULL AND COALESCE(date_maturity, date) IS NOT NULL
       AND account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
     GROUP BY company_id, partner_id, account_id, currency_id, COALESCE(date_maturity, date)
    """
)
COLUMNS = SQL(
    """company_id, partner_id, account_id, currency_id, date_due, debit_residual,
       debit_residual_currency, credit_residual, credit_residual_currency, items"""
)
SAME_KEY = SQL(
    """kept.company_id = actual.company_id AND kept.partner_id = actual.partner_id
       AND kept.account_id = actual.account_id AND kept.currency_id = actual.currency_id
       AND kept.date_due = actual.date_due"""
)
SAME_ROW = SQL(
    """%s AND kept.debit_residual = actual.debit_residual
       AND kept.debit_residual_currency = actual.debit_residual_currency
       AND kept.credit_residual = actual.credit_residual
       AND kept.credit_residual_currency = actual.credit_residual_currency
       AND kept.items = actual.items""",
    SAME_KEY,
)


def _version():
    """A fingerprint of the triggers' definitions."""
    text = "\n".join(statement.code for statement in TRIGGERS)
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def install(cr):
    """Creates or replaces the functions, creates the triggers where they are
    missing or differ, and brings the rows in line with the journal items.

    Creating triggers locks journal items (writers and readers) until the
    transaction ends, so an upgrade that does not change them leaves them
    alone. On the first installation, items other users change after the
    installing transaction began and before the trigger exists are not in
    its view: the module's post-installation hook has the nightly check run
    once right after, on fresh data."""
    cr.execute(ADD_FUNCTION)
    cr.execute(TRIGGER_FUNCTION)
    cr.execute(
        SQL(
            """SELECT obj_description(oid, 'pg_trigger') FROM pg_trigger
                WHERE tgname = 'credit_management_open_balance_update'"""
        )
    )
    installed = cr.fetchone()
    if not installed or installed[0] != _version():
        cr.execute(SQL("LOCK TABLE account_move_line IN SHARE ROW EXCLUSIVE MODE"))
        for statement in TRIGGERS:
            cr.execute(statement)
        cr.execute(
            SQL(
                "COMMENT ON TRIGGER credit_management_open_balance_update "
                "ON account_move_line IS %s",
                _version(),
            )
        )
    repair(cr)


def uninstall(cr):
    """Drops the functions and, with them, the triggers."""
    cr.execute(SQL("DROP FUNCTION IF EXISTS credit_management_open_balance() CASCADE"))
    cr.execute(
        SQL(
            "DROP FUNCTION IF EXISTS "
            "credit_management_open_balance_add(account_move_line, integer) CASCADE"
        )
    )


def differences(cr):
    """Rows that differ between credit_open_balance and the journal items, as
    ``(key, kept, actual)``: key is (company, partner, account, currency, due
    date), kept and actual the four sums and the item count (None where a row
    is missing). Empty when all is well."""
    cr.execute(
        SQL(
            """
            SELECT COALESCE(kept.company_id, actual.company_id),
                   COALESCE(kept.partner_id, actual.partner_id),
                   COALESCE(kept.account_id, actual.account_id),
                   COALESCE(kept.currency_id, actual.currency_id),
                   COALESCE(kept.date_due, actual.date_due),
                   kept.debit_residual, kept.debit_residual_currency,
                   kept.credit_residual, kept.credit_residual_currency, kept.items,
                   actual.debit_residual, actual.debit_residual_currency,
                   actual.credit_residual, actual.credit_residual_currency, actual.items
              FROM credit_open_balance kept
              FULL JOIN (%s) actual ON %s
             WHERE kept.id IS NULL OR actual.partner_id IS NULL OR NOT (%s)
            """,
            ACTUAL,
            SAME_KEY,
            SAME_ROW,
        )
    )
    return [(row[:5], row[5:10], row[10:]) for row in cr.fetchall()]


def repair_accounts(cr, account_ids):
    """Rebuilds the rows of some accounts from their items. For a change of
    account type, which the trigger does not see: the items do not change,
    and Odoo updates their residuals in SQL before it writes the new type."""
    ids = sorted(set(account_ids))
    cr.execute(SQL("DELETE FROM credit_open_balance WHERE account_id = ANY(%s)", ids))
    cr.execute(
        SQL(
            """
            INSERT INTO credit_open_balance (%(columns)s)
            SELECT %(columns)s FROM (%(actual)s) actual WHERE actual.account_id = ANY(%(ids)s)
            """,
            columns=COLUMNS,
            actual=ACTUAL,
            ids=ids,
        )
    )


def repair(cr):
    """Brings credit_open_balance in line with the journal items, touching
    only the rows that differ: an upgrade leaves a correct table as it is,
    visibility map included (index-only scans need it). Returns the number
    of rows removed (wrong or without items) and added (missing or
    corrected)."""
    cr.execute(SQL("DROP TABLE IF EXISTS credit_open_balance_actual"))
    cr.execute(SQL("CREATE TEMP TABLE credit_open_balance_actual ON COMMIT DROP AS %s", ACTUAL))
    cr.execute(
        SQL(
            """
            DELETE FROM credit_open_balance kept
             WHERE NOT EXISTS (SELECT 1 FROM credit_open_balance_actual actual WHERE %s)
            """,
            SAME_ROW,
        )
    )
    wrong = cr.rowcount
    cr.execute(
        SQL(
            """
            INSERT INTO credit_open_balance (%(columns)s)
            SELECT %(columns)s FROM credit_open_balance_actual actual
             WHERE NOT EXISTS (SELECT 1 FROM credit_open_balance kept WHERE %(same_key)s)
            """,
            columns=COLUMNS,
            same_key=SAME_KEY,
        )
    )
    missing = cr.rowcount
    cr.execute(SQL("DROP TABLE credit_open_balance_actual"))
    if wrong or missing:
        cr.execute(SQL("ANALYZE credit_open_balance"))
    return wrong, missing
