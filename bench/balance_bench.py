"""What the open balance trigger costs the accounting that writes journal items.

Posts customer invoices and registers their payments through the ORM, as
users do, once with the trigger keeping credit_open_balance and once with it
disabled, in alternation, each round in a transaction rolled back at the end.
Prints the median time of each and the overhead.

Run it through ``bench/run balance`` (on the credit_check database; nothing
is kept).
"""

import argparse
import statistics
import time

import datagen

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

TRIGGERS = ("insert", "update", "delete")


def set_triggers(env, enabled):
    for name in TRIGGERS:
        env.cr.execute(
            SQL(
                "ALTER TABLE account_move_line %s TRIGGER %s",
                SQL("ENABLE" if enabled else "DISABLE"),
                SQL.identifier(f"credit_management_open_balance_{name}"),
            )
        )


def one_round(env, journal, partners, per_partner, enabled):
    """Seconds to post the invoices, then to pay them."""
    from odoo.addons.credit_management.engine import check

    set_triggers(env, enabled)
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "journal_id": journal.id,
                "partner_id": partner.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create({"name": "Bench", "price_unit": 100 + n, "tax_ids": []})
                ],
            }
            for partner in partners
            for n in range(per_partner)
        ]
    )
    env.flush_all()
    start = time.perf_counter()
    with check.skipped():
        moves._post(soft=False)
    env.flush_all()
    posted = time.perf_counter() - start
    start = time.perf_counter()
    env["account.payment.register"].with_context(
        active_model="account.move", active_ids=moves.ids
    ).create({"group_payment": True})._create_payments()
    env.flush_all()
    paid = time.perf_counter() - start
    env.cr.rollback()
    env.invalidate_all()
    return posted, paid


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=25, help="invoices per partner")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = datagen.ensure_chart(env)
        env = env(context={"allowed_company_ids": company.ids})
        # A journal of its own: posting numbers each invoice after the
        # journal's last one, which a journal full of copied bench invoices
        # makes slow whatever the trigger does.
        journals = env["account.journal"]
        journal = journals.search([("code", "=", "BBAL")]) or journals.create(
            {
                "name": "Balance bench",
                "code": "BBAL",
                "type": "sale",
                "default_account_id": journals.search(
                    [("type", "=", "sale")], limit=1
                ).default_account_id.id,
            }
        )
        partners = env["res.partner"].create(
            [{"name": f"Balance bench {n}", "is_company": True} for n in range(args.partners)]
        )
        cr.commit()
        try:
            results = {True: [], False: []}
            one_round(env, journal, partners, 1, True)  # warm the caches
            for _ in range(args.repeat):
                for enabled in (True, False):
                    results[enabled].append(
                        one_round(env, journal, partners, args.invoices, enabled)
                    )
        finally:
            cr.rollback()
            partners.unlink()
            cr.commit()
    count = args.partners * args.invoices
    for label, index in (("post", 0), ("pay (grouped per partner)", 1)):
        with_trigger = statistics.median([r[index] for r in results[True]])
        without = statistics.median([r[index] for r in results[False]])
        print(
            f"{label} {count} invoices: {with_trigger:.2f} s with the open balance trigger, "
            f"{without:.2f} s without ({(with_trigger / without - 1) * 100:+.1f} %, "
            f"median of {args.repeat})"
        )


if __name__ == "__main__":
    main()
