"""Benchmark of the credit check and of the over-limit list (issue #3).

Targets (PERFORMANCE.md): the credit check of one invoice for a partner with
10,000 open items, median under 10 ms; the over-limit list on 50,000 partners
and 500,000 open items under 2 s.

Run it through ``bench/run credit_check`` (it creates the database once).
"""

import argparse
import time

import datagen

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import config

BIG_PARTNER = "Bench big customer"


def build(env, partners, items_per_partner, big_items):
    company = datagen.ensure_chart(env)
    env.cr.execute("ANALYZE")
    env.cr.commit()  # statistics are transactional: keep them
    if env["res.partner"].search_count([("name", "=", BIG_PARTNER)]):
        return company
    print(
        f"Building data: {partners} partners x {items_per_partner} items, "
        f"and one partner with {big_items} items ...",
        flush=True,
    )
    start = time.perf_counter()
    big = env["res.partner"].create({"name": BIG_PARTNER, "is_company": True})
    template = datagen.template_invoice(env, big, 100.0)
    big.with_company(company).credit_limit = 100.0 * big_items + 10_000
    env.flush_all()
    tables = ["account_move", "account_move_line", "res_partner"]
    with datagen.indexes_dropped(env, tables), datagen.foreign_keys_dropped(env, tables):
        datagen.multiply_invoice(env, template, [big.id], big_items - 1, "BIGB")
        ids = datagen.make_partners(env, partners, "Bench partner")
        made = datagen.multiply_invoice(env, template, ids, items_per_partner, "BENCH")
    # Limits around the exposure, so that about a third is over its limit.
    datagen.set_limits(
        env, ids, company, lambda pid: 100.0 * items_per_partner * (0.8 + (pid % 3) * 0.2)
    )
    env.cr.commit()
    datagen.vacuum(env, [*tables, "credit_open_balance"])
    print(f"  {made + big_items} invoices in {time.perf_counter() - start:.0f} s", flush=True)
    return company


def bench_check(env, company, repeat):
    big = env["res.partner"].search([("name", "=", BIG_PARTNER)], limit=1)
    open_items = env["account.move.line"].search_count(
        [
            ("partner_id", "=", big.id),
            ("reconciled", "=", False),
            ("account_id.account_type", "=", "asset_receivable"),
        ]
    )
    company.credit_check_mode = "block"
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": big.id,
            "invoice_line_ids": [Command.create({"name": "x", "price_unit": 50, "tax_ids": []})],
        }
    )
    invoice.flush_recordset()

    def run():
        failures = invoice._credit_failures()
        assert not failures, failures

    run()  # warm the caches as a running server has them
    median, best, worst = datagen.timed(run, repeat)
    print(
        f"credit check, partner with {open_items} open items: median {median * 1000:.1f} ms "
        f"(min {best * 1000:.1f}, max {worst * 1000:.1f}, {repeat} runs); target < 10 ms"
    )
    env.cr.rollback()


def bench_list(env, repeat):
    partners = env["res.partner"].search_count([("name", "=like", "Bench partner %")])
    items = env.execute_query(
        datagen.SQL(
            "SELECT count(*) FROM account_move_line WHERE reconciled IS NOT TRUE "
            "AND display_type = 'payment_term'"
        )
    )[0][0]
    exposure = env["credit.exposure"]

    def run_list():
        env.invalidate_all()
        rows = exposure.search_fetch(
            [("over_limit", "=", True)],
            ["partner_id", "exposure", "credit_limit", "excess"],
            order="excess desc",
            limit=80,
        )
        count = exposure.search_count([("over_limit", "=", True)])
        assert rows and count >= len(rows)

    def run_partner_filter():
        env.invalidate_all()
        assert env["res.partner"].search([("credit_over_limit", "=", True)], limit=80)

    for label, function in (
        ("over-limit list (first page, sorted by excess, and its count)", run_list),
        ("partner search 'Over Credit Limit' (first page)", run_partner_filter),
    ):
        median, best, worst = datagen.timed(function, repeat)
        print(
            f"{label}, {partners} partners / {items} open items: median {median:.2f} s "
            f"(min {best:.2f}, max {worst:.2f}, {repeat} runs); target < 2 s"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--partners", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=10, help="open items per partner")
    parser.add_argument("--big-items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = build(env, args.partners, args.items, args.big_items)
        env = env(context={"allowed_company_ids": company.ids})
        bench_check(env, company, args.repeat)
        bench_list(env, max(args.repeat // 6, 3))
        cr.rollback()


if __name__ == "__main__":
    main()
