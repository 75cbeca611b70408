"""Benchmark of the aged receivables at a past date (issue #14).

Target (issue #14): aged receivables at a past date over 500,000 open items
under 3 s.

Data: per customer, ``--open`` invoices still open today and ``--paid``
invoices that were open on the report's date and paid after it (a payment
entry and its reconciliation dated after the date). One invoice, one paid
invoice with its payment and reconciliation are made through the ORM; they
are copied in SQL for every customer, with new ids for moves, items, partial
and full reconciliations and the references between them remapped, so every
copy is balanced, posted and reconciled as Odoo would have it.

Run it through ``BENCH_DB=credit_bench_aging bench/run aging``.
"""

import argparse
import time
from datetime import timedelta

import datagen

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

PREFIX = "Aging bench partner"
AGO = 30  # the report's date: this many days before today


def templates(env, company, date):
    """An open invoice, and an invoice paid after ``date`` with its payment
    entry, reconciled, all through the ORM."""
    from odoo.addons.credit_management.engine import check

    seed = env["res.partner"].create({"name": f"{PREFIX} seed", "is_company": True})

    def invoice():
        move = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": seed.id,
                "invoice_date": date - timedelta(days=40),
                "invoice_line_ids": [
                    Command.create({"name": "Bench", "price_unit": 100.0, "tax_ids": []})
                ],
            }
        )
        with check.skipped():
            move._post(soft=False)
        return move

    open_invoice, paid_invoice = invoice(), invoice()
    receivable = paid_invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
    journal = env["account.journal"].search(
        [("type", "=", "general"), ("company_id", "=", company.id)], limit=1
    )
    payment = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": date + timedelta(days=10),
            "line_ids": [
                Command.create(
                    {"account_id": receivable.account_id.id, "partner_id": seed.id, "credit": 100}
                ),
                Command.create(
                    {
                        "account_id": company.account_journal_suspense_account_id.id,
                        "debit": 100,
                    }
                ),
            ],
        }
    )
    payment.action_post()
    (
        receivable
        + payment.line_ids.filtered(lambda line: line.account_id == receivable.account_id)
    ).reconcile()
    assert paid_invoice.payment_state in ("paid", "in_payment"), paid_invoice.payment_state
    env.flush_all()
    return open_invoice, paid_invoice + payment


def copy_documents(env, moves, copies, prefix):
    """Copies ``moves`` (with their items, partial and full reconciliations)
    once per row of the temp table ``copies`` (n, partner_id, inv_date, due,
    pay_date): invoices take ``inv_date`` and ``due``, entries ``pay_date``."""
    env.cr.execute(
        SQL(
            """
            CREATE TEMP TABLE mm AS
            SELECT c.n, m.id AS old_id, nextval('account_move_id_seq') AS new_id
              FROM copies c CROSS JOIN unnest(%s::integer[]) m(id);
            CREATE TEMP TABLE lm AS
            SELECT mm.n, l.id AS old_id, nextval('account_move_line_id_seq') AS new_id
              FROM mm JOIN account_move_line l ON l.move_id = mm.old_id;
            CREATE TEMP TABLE fm AS
            SELECT DISTINCT ON (lm.n, l.full_reconcile_id) lm.n, l.full_reconcile_id AS old_id,
                   nextval('account_full_reconcile_id_seq') AS new_id
              FROM lm JOIN account_move_line l ON l.id = lm.old_id
             WHERE l.full_reconcile_id IS NOT NULL;
            CREATE INDEX ON lm (n, old_id);
            CREATE INDEX ON fm (n, old_id);
            """,
            moves.ids,
        )
    )
    move_date = SQL("CASE WHEN m.move_type = 'entry' THEN c.pay_date ELSE c.inv_date END")
    name = SQL("%s || '/' || mm.new_id", prefix)
    env.cr.execute(
        datagen.copy_rows(
            env,
            "account_full_reconcile",
            "f",
            SQL("fm JOIN account_full_reconcile f ON f.id = fm.old_id"),
            {"id": SQL("fm.new_id")},
        )
    )
    env.cr.execute(
        datagen.copy_rows(
            env,
            "account_move",
            "m",
            SQL("mm JOIN account_move m ON m.id = mm.old_id JOIN copies c ON c.n = mm.n"),
            {
                "id": SQL("mm.new_id"),
                "partner_id": SQL("CASE WHEN m.partner_id IS NOT NULL THEN c.partner_id END"),
                "commercial_partner_id": SQL(
                    "CASE WHEN m.commercial_partner_id IS NOT NULL THEN c.partner_id END"
                ),
                "name": name,
                "payment_reference": SQL(
                    "CASE WHEN m.payment_reference IS NOT NULL THEN %s END", name
                ),
                "date": move_date,
                "invoice_date": SQL("CASE WHEN m.invoice_date IS NOT NULL THEN c.inv_date END"),
                "invoice_date_due": SQL("CASE WHEN m.invoice_date_due IS NOT NULL THEN c.due END"),
            },
        )
    )
    env.cr.execute(
        datagen.copy_rows(
            env,
            "account_move_line",
            "l",
            SQL(
                """lm JOIN account_move_line l ON l.id = lm.old_id
                   JOIN mm ON mm.n = lm.n AND mm.old_id = l.move_id
                   JOIN account_move m ON m.id = l.move_id
                   JOIN copies c ON c.n = lm.n
                   LEFT JOIN fm ON fm.n = lm.n AND fm.old_id = l.full_reconcile_id"""
            ),
            {
                "id": SQL("lm.new_id"),
                "move_id": SQL("mm.new_id"),
                "partner_id": SQL("CASE WHEN l.partner_id IS NOT NULL THEN c.partner_id END"),
                "move_name": name,
                "date": move_date,
                "invoice_date": SQL("CASE WHEN l.invoice_date IS NOT NULL THEN c.inv_date END"),
                "date_maturity": SQL(
                    "CASE WHEN l.date_maturity IS NULL THEN NULL "
                    "WHEN m.move_type = 'entry' THEN c.pay_date ELSE c.due END"
                ),
                "full_reconcile_id": SQL("fm.new_id"),
                "matching_number": SQL(
                    "CASE WHEN fm.new_id IS NOT NULL THEN fm.new_id::text "
                    "ELSE l.matching_number END"
                ),
            },
        )
    )
    env.cr.execute(
        datagen.copy_rows(
            env,
            "account_partial_reconcile",
            "p",
            SQL(
                """copies c JOIN lm d ON d.n = c.n
                   JOIN account_partial_reconcile p ON p.debit_move_id = d.old_id
                   JOIN lm cr ON cr.n = c.n AND cr.old_id = p.credit_move_id
                   LEFT JOIN fm ON fm.n = c.n AND fm.old_id = p.full_reconcile_id"""
            ),
            {
                "id": SQL("nextval('account_partial_reconcile_id_seq')"),
                "debit_move_id": SQL("d.new_id"),
                "credit_move_id": SQL("cr.new_id"),
                "full_reconcile_id": SQL("fm.new_id"),
                "max_date": SQL("GREATEST(c.inv_date, c.pay_date)"),
            },
        )
    )
    count = env.execute_query(SQL("SELECT count(*) FROM copies"))[0][0]
    env.cr.execute(SQL("DROP TABLE mm, lm, fm"))
    return count


def make_copies(env, partner_ids, per_partner, date, paid):
    """The temp table ``copies``: invoice dates over the 180 days before
    ``date``, due 30 days later (about half overdue on ``date``); payments of
    the paid ones between ``date`` and today."""
    env.cr.execute(
        SQL(
            """
            CREATE TEMP TABLE copies AS
            SELECT row_number() OVER () AS n, p.pid AS partner_id, d.inv_date,
                   d.inv_date + 30 AS due,
                   %(date)s::date + 1 + ((g.n + p.pid) %% %(ago)s) AS pay_date
              FROM unnest(%(partners)s::integer[]) AS p(pid)
             CROSS JOIN generate_series(1, %(per)s) AS g(n)
             CROSS JOIN LATERAL (SELECT %(date)s::date - ((g.n * 7919 + p.pid) %% 180)
                                 AS inv_date) d
            """,
            date=date,
            ago=AGO - 1 if paid else 1,
            partners=list(partner_ids),
            per=per_partner,
        )
    )


def build(env, partners, open_items, paid_items, date):
    company = datagen.ensure_chart(env)
    if env["res.partner"].search_count([("name", "=like", f"{PREFIX} %")]):
        return company
    print(
        f"Building data: {partners} customers x ({open_items} open + {paid_items} paid after "
        f"the date) invoices ...",
        flush=True,
    )
    start = time.perf_counter()
    open_invoice, paid = templates(env, company, date)
    tables = [
        "account_move",
        "account_move_line",
        "res_partner",
        "account_partial_reconcile",
        "account_full_reconcile",
    ]
    with datagen.indexes_dropped(env, tables), datagen.foreign_keys_dropped(env, tables):
        ids = datagen.make_partners(env, partners, PREFIX)
        made = 0
        for moves, per, is_paid, prefix in (
            (open_invoice, open_items, False, "AGO"),
            (paid, paid_items, True, "AGP"),
        ):
            make_copies(env, ids, per, date, is_paid)
            made += copy_documents(env, moves, "copies", prefix)
            env.cr.execute(SQL("DROP TABLE copies"))
    env.cr.commit()
    datagen.vacuum(env, [*tables, "credit_open_balance"])
    print(f"  {made} invoices (and their payments) in {time.perf_counter() - start:.0f} s")
    return company


def bench(env, company, date, repeat):
    from odoo.addons.credit_management.engine import receivables

    asof = receivables.as_of(company, date)
    [(items, total)] = env.execute_query(
        SQL("SELECT count(*), SUM(residual) FROM (%s) i", receivables.open_items_query(asof))
    )
    [(ledger,)] = env.execute_query(
        SQL(
            """SELECT SUM(l.balance) FROM account_move_line l
                 JOIN account_account a ON a.id = l.account_id
                WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
                  AND l.date <= %s AND l.company_id = %s""",
            date,
            company.id,
        )
    )
    print(f"{items} items open on {date}: {total} (general ledger {ledger})")
    user = env["res.users"].search([("login", "=", "aging_bench_controller")])
    if not user:
        user = env["res.users"].create(
            {
                "name": "Aging bench controller",
                "login": "aging_bench_controller",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "group_ids": [
                    Command.link(env.ref("credit_management.group_credit_control_user").id)
                ],
            }
        )
    for label, as_user in (("superuser", env), ("credit control user (record rules)", None)):
        wizard_env = as_user or env(user=user.id, context={"allowed_company_ids": company.ids})
        wizard = wizard_env["credit.aged.receivable.wizard"].create(
            {"date": date, "company_ids": [Command.set(company.ids)]}
        )

        def query(wizard=wizard):
            asof = wizard._asof()
            with receivables.planner_settings(wizard.env.cr):
                return wizard.env.execute_query(
                    receivables.aged_query(asof, wizard._bounds(), wizard._filters())
                )

        def run(wizard=wizard):
            wizard._compute_lines()

        median, best, worst = datagen.timed(query, repeat)
        print(
            f"aged receivables on {date} ({label}), the query: {items} open items, "
            f"{len(query())} customer rows: median {median:.2f} s (min {best:.2f}, "
            f"max {worst:.2f}, {repeat} runs); target < 3 s"
        )
        median, best, worst = datagen.timed(run, repeat)
        print(
            f"  the report (query and its {len(wizard.line_ids)} customer rows written): "
            f"median {median:.2f} s (min {best:.2f}, max {worst:.2f}, {repeat} runs)"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--partners", type=int, default=50_000)
    parser.add_argument("--open", type=int, default=9, help="invoices still open today")
    parser.add_argument("--paid", type=int, default=2, help="invoices paid after the date")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        date = fields.Date.context_today(env.user) - timedelta(days=AGO)
        company = build(env, args.partners, args.open, args.paid, date)
        # The date of the data (built on an earlier day, maybe): the eve of its first payment.
        [(first_payment,)] = env.execute_query(
            SQL(
                "SELECT MIN(date) FROM account_move "
                "WHERE name LIKE 'AGP/%%' AND move_type = 'entry'"
            )
        )
        date = first_payment - timedelta(days=1)
        env = env(context={"allowed_company_ids": company.ids})
        bench(env, company, date, args.repeat)
        cr.rollback()


if __name__ == "__main__":
    main()
