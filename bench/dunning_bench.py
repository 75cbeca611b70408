"""Benchmark of the dunning run (issue #4).

Targets (PERFORMANCE.md), on 100,000 overdue items over 20,000 partners:
selection and level computation under 5 s; the full run (records created,
levels applied, no mail sent) under 60 s and at least 10x faster than OCA
``account_credit_control`` 19.0 on the same database; a second run the same
day under 5 s, creating nothing.

Run it through ``BENCH_DB=credit_bench_dunning bench/run dunning``; with
``--oca`` (and ``EXTRA_ADDONS`` pointing at the unzipped OCA wheel, see
bench/README.md) the OCA module is installed in the same database and its
run timed on the same items.
"""

import argparse
import time
import tracemalloc

import datagen

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

PREFIX = "Dunning bench partner"


def build(env, partners, items):
    company = datagen.ensure_chart(env)
    if env["res.partner"].search_count([("name", "=like", f"{PREFIX} %")]):
        return company
    print(f"Building data: {partners} partners x {items} overdue items ...", flush=True)
    start = time.perf_counter()
    seed = env["res.partner"].create({"name": f"{PREFIX} seed", "is_company": True})
    template = datagen.template_invoice(env, seed, 100.0)
    env.flush_all()
    tables = ["account_move", "account_move_line", "res_partner"]
    with datagen.indexes_dropped(env, tables), datagen.foreign_keys_dropped(env, tables):
        ids = datagen.make_partners(env, partners, PREFIX)
        made = datagen.multiply_invoice(
            env, template, ids, items, "DUN", spread_days=120, overdue_only=True
        )
    env.cr.commit()
    datagen.vacuum(env, [*tables, "credit_open_balance"])
    print(f"  {made} invoices in {time.perf_counter() - start:.0f} s", flush=True)
    return company


def ensure_policy(env, company):
    policy = env["credit.dunning.policy"].search([("name", "=", "Bench policy")], limit=1)
    if not policy:
        policy = env["credit.dunning.policy"].create(
            {
                "name": "Bench policy",
                "company_id": company.id,
                "skip_levels": True,
                "interest_rule_id": env.ref("credit_management.late_interest_rule_eu").id,
                "level_ids": [
                    Command.create({"sequence": 1, "name": "First", "days": 1}),
                    Command.create(
                        {
                            "sequence": 2,
                            "name": "Second",
                            "days": 30,
                            "fee_type": "fixed",
                            "fee_amount": 10,
                        }
                    ),
                    Command.create(
                        {
                            "sequence": 3,
                            "name": "Final",
                            "days": 60,
                            "fee_type": "percent",
                            "fee_amount": 1,
                            "charge_interest": True,
                            "charge_compensation": True,
                            "channel_letter": True,
                        }
                    ),
                ],
            }
        )
    company.credit_dunning_policy_id = policy
    env.cr.commit()
    return policy


def reset(env):
    """Forgets every dunning (ours) so that a run starts from scratch."""
    env.cr.execute(
        SQL(
            """
            DELETE FROM credit_dunning_line;
            DELETE FROM credit_dunning_communication;
            DELETE FROM credit_dunning_claim;
            DELETE FROM credit_dunning_run;
            DELETE FROM credit_dunning_item;
            """
        )
    )
    env.cr.commit()
    env.invalidate_all()


def report(label, figures, target):
    median, best, worst = figures
    print(
        f"{label}: median {median:.2f} s (min {best:.2f}, max {worst:.2f}); target {target}",
        flush=True,
    )


def bench_ours(env, company, repeat):
    Run = env["credit.dunning.run"]
    reset(env)
    items = env.execute_query(
        SQL(
            "SELECT count(*) FROM account_move_line WHERE display_type = 'payment_term' "
            "AND reconciled IS NOT TRUE AND date_maturity < CURRENT_DATE"
        )
    )[0][0]
    partners = env["res.partner"].search_count([("name", "=like", f"{PREFIX} %")])
    print(f"Data: {items} overdue items over {partners} partners", flush=True)

    def selection():
        run = Run.new({"company_id": company.id})
        stats, debtors = run._selection()
        assert debtors and sum(stats["levels"].values()) >= items - 10, stats

    report("selection and level computation", datagen.timed(selection, repeat), "< 5 s")

    counts = {}

    def full_run():
        reset(env)
        tracemalloc.start()
        run = Run._create_run(company, "cron")
        run._execute(commit=lambda done: env.cr.commit())
        env.cr.commit()
        counts["peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        counts["comms"] = run.communication_count
        counts["lines"] = run.line_count

    figures = datagen.timed(full_run, repeat)
    report(
        f"full run ({counts['comms']} communications, {counts['lines']} lines, levels reserved, "
        f"no mail sent; Python peak {counts['peak'] / 2**20:.0f} MiB)",
        figures,
        "< 60 s",
    )

    def second_run():
        run = Run._create_run(company, "cron")
        run._execute(commit=lambda done: env.cr.commit())
        env.cr.commit()
        assert not run.communication_ids, "a second run must create nothing"

    report("second run the same day", datagen.timed(second_run, repeat), "< 5 s, nothing created")
    return figures[0]


def bench_oca(env, company, ours):
    """The same items through OCA account_credit_control (installed from its
    wheel in a scratch addons path): its run generates credit lines only."""
    module = env["ir.module.module"].search([("name", "=", "account_credit_control")])
    if not module:
        print("OCA account_credit_control not in the addons path (EXTRA_ADDONS): skipped")
        return
    if module.state != "installed":
        module.button_immediate_install()
        env.cr.commit()
        env = api.Environment(env.cr, SUPERUSER_ID, {})
        env = env(context={"allowed_company_ids": company.ids})
    company = env["res.company"].browse(company.id)
    policy = env["credit.control.policy"].search([("name", "=", "Bench OCA policy")], limit=1)
    if not policy:
        receivable = env["account.account"].search([("account_type", "=", "asset_receivable")])
        policy = env["credit.control.policy"].create(
            {
                "name": "Bench OCA policy",
                "account_ids": [Command.set(receivable.ids)],
                "level_ids": [
                    Command.create(
                        {
                            "name": name,
                            "level": level,
                            "computation_mode": "net_days" if level == 1 else "previous_date",
                            "delay_days": days,
                            "channel": "email",
                            "custom_mail_text": name,
                            "custom_text": name,
                            "email_template_id": env.ref(
                                "account_credit_control.email_template_credit_control_base"
                            ).id,
                        }
                    )
                    for level, name, days in ((1, "First", 1), (2, "Second", 30), (3, "Final", 30))
                ],
            }
        )
        company.credit_policy_id = policy
        env.cr.commit()
    env.cr.execute("DELETE FROM credit_control_line")
    env.cr.execute("DELETE FROM credit_control_run")
    env.cr.commit()
    start = time.perf_counter()
    run = env["credit.control.run"].create(
        {"date": time.strftime("%Y-%m-%d"), "policy_ids": [Command.set(policy.ids)]}
    )
    run.generate_credit_lines()
    env.cr.commit()
    elapsed = time.perf_counter() - start
    lines = env["credit.control.line"].search_count([])
    print(
        f"OCA account_credit_control run: {elapsed:.1f} s ({lines} credit lines); "
        f"ours / OCA: {elapsed / ours:.1f}x faster (target >= 10x)",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--partners", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=5, help="overdue items per partner")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--oca", action="store_true", help="also time OCA account_credit_control")
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = build(env, args.partners, args.items)
        env = env(context={"allowed_company_ids": company.ids})
        ensure_policy(env, company)
        ours = bench_ours(env, company, args.repeat)
        if args.oca:
            bench_oca(env, company, ours)


if __name__ == "__main__":
    main()
