"""Benchmark of a factoring batch (issue #13): building a batch of 10,000
posted customer invoices (``action_add_documents``) and generating its file
(``action_generate``: checks, control total, BPCE fixed-width file
attached) under 10 s together, with flat memory.

Data: one posted invoice made through the ORM (no tax), copied in SQL
(``datagen.multiply_invoice``) to 10,000 invoices over 1,000 customers
(each with a SIRET and a reference), all dated today; a notified contract
requiring debtor approvals, one approval per customer made through the ORM.
Run it through ``BENCH_DB=credit_bench_factoring bench/run factoring``.
Every timed run is rolled back, so each starts from the same data.
"""

import argparse
import time
import tracemalloc

import datagen

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

PREFIX = "Factoring bench customer"
SIZES = (1_000, 5_000, 10_000)


def build(env, partners, items):
    company = datagen.ensure_chart(env)
    if env["res.partner"].search_count([("name", "=like", f"{PREFIX} %")]):
        return company
    print(f"Building data: {partners} customers x {items} invoices ...", flush=True)
    start = time.perf_counter()
    seed = env["res.partner"].create({"name": f"{PREFIX} seed", "is_company": True})
    template = datagen.template_invoice(env, seed, 100.0)
    env.flush_all()
    tables = ["account_move", "account_move_line", "res_partner"]
    with datagen.indexes_dropped(env, tables), datagen.foreign_keys_dropped(env, tables):
        ids = datagen.make_partners(env, partners, PREFIX)
        env.cr.execute(
            SQL(
                "UPDATE res_partner SET company_registry = lpad(id::text, 14, '4'), "
                "ref = 'C' || id WHERE id = ANY(%s)",
                ids,
            )
        )
        made = datagen.multiply_invoice(env, template, ids, items, "FACB", spread_days=60)
    env.cr.commit()
    datagen.vacuum(env, [*tables, "credit_open_balance"])
    print(
        f"  {made} invoices (SQL copies of one ORM invoice) in {time.perf_counter() - start:.0f} s",
        flush=True,
    )
    return company


def ensure_contract(env, company):
    Contract = env["factoring.contract"]
    contract = Contract.search([("name", "=", "Bench factor")], limit=1)
    if contract:
        return contract
    factor = env["res.partner"].create({"name": "Bench Factor SA", "is_company": True})
    bank = env["res.partner.bank"].create(
        {"partner_id": factor.id, "acc_number": "FR7630001007941234567890185"}
    )
    contract = Contract.create(
        {
            "name": "Bench factor",
            "company_id": company.id,
            "factor_id": factor.id,
            "client_code": "004217",
            "mode": "notified",
            "factor_bank_id": bank.id,
            "currency_id": company.currency_id.id,
            "max_age_days": 90,
            "min_amount": 10,
            "approval_required": True,
            "layout_id": env.ref("factoring_connector.factoring_file_layout_bpce_v7").id,
        }
    )
    customers = env["res.partner"].search([("name", "=like", f"{PREFIX} %")])
    env["factoring.debtor.approval"].create(
        [
            {
                "contract_id": contract.id,
                "partner_id": partner_id,
                "amount": 1_000_000,
                "date_start": "2000-01-01",
            }
            for partner_id in customers.ids
        ]
    )
    env.cr.commit()
    return contract


def invoice_ids(env, company):
    return [
        row[0]
        for row in env.execute_query(
            SQL(
                "SELECT id FROM account_move WHERE name LIKE 'FACB/%%' AND company_id = %s "
                "AND state = 'posted' ORDER BY id",
                company.id,
            )
        )
    ]


def one_batch(env, contract, move_ids):
    """Builds and generates a batch of ``move_ids``; (build s, generate s,
    batch)."""
    start = time.perf_counter()
    batch = env["factoring.batch"].create({"contract_id": contract.id})
    batch.action_add_documents(move_ids)
    env.flush_all()
    built = time.perf_counter()
    batch.action_generate()
    env.flush_all()
    env.cr.precommit.run()  # the chatter's tracking, as a commit would do
    generated = time.perf_counter()
    return built - start, generated - built, batch


def run(env, contract, move_ids, repeat):
    builds, generates = [], []
    for _ in range(repeat):
        build_s, generate_s, batch = one_batch(env, contract, move_ids)
        assert batch.state == "generated" and batch.control_count == len(move_ids), (
            batch.state,
            batch.control_count,
        )
        size = len(batch.attachment_ids.raw)
        env.cr.rollback()
        env.invalidate_all()
        builds.append(build_s)
        generates.append(generate_s)
    return builds, generates, size


def memory(env, contract, move_ids):
    """Python's peak memory (tracemalloc) while building, then while
    generating a batch of ``move_ids``; rolled back."""
    tracemalloc.start()
    batch = env["factoring.batch"].create({"contract_id": contract.id})
    batch.action_add_documents(move_ids)
    env.flush_all()
    build_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    batch.action_generate()
    env.flush_all()
    env.cr.precommit.run()
    generate_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    env.cr.rollback()
    env.invalidate_all()
    return build_peak, generate_peak


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--partners", type=int, default=1_000)
    parser.add_argument("--items", type=int, default=10, help="invoices per customer")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = build(env, args.partners, args.items)
        env = env(context={"allowed_company_ids": company.ids, "tracking_disable": False})
        contract = ensure_contract(env, company)
        ids = invoice_ids(env, company)
        print(
            f"Data: {len(ids)} posted customer invoices over {args.partners} customers "
            "(SQL copies of one invoice made through the ORM); BPCE v7.0 layout, "
            "approvals required",
            flush=True,
        )
        for size in [s for s in SIZES if s <= len(ids)]:
            builds, generates, file_size = run(env, contract, ids[:size], args.repeat)
            total = [b + g for b, g in zip(builds, generates, strict=True)]
            peaks = memory(env, contract, ids[:size])
            print(
                f"{size:>6} invoices: build {median(builds):.2f} s, generate "
                f"{median(generates):.2f} s, together {median(total):.2f} s "
                f"(min {min(total):.2f}, max {max(total):.2f}; median of {args.repeat}); "
                f"file {file_size / 1024:.0f} KiB; Python peak: build {peaks[0] / 2**20:.1f} MiB, "
                f"generate {peaks[1] / 2**20:.1f} MiB"
                + ("; target < 10 s" if size == 10_000 else ""),
                flush=True,
            )


if __name__ == "__main__":
    main()
