"""The credit check run where credit is extended (posting an invoice,
confirming an order).

It reads the status of the documents' commercial partners in one query,
after taking a per-partner lock row so that two transactions extending
credit to the same partner cannot both pass on the same exposure: the second
one waits for the first and then fails with a serialization error, which Odoo
retries on a fresh snapshot that includes the first document.
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass

from odoo.tools import SQL

_skipped = contextvars.ContextVar("credit_check_skipped", default=False)


@contextmanager
def skipped():
    """Runs a block without credit checks: for flows where the money is
    already collected (an online payment confirming its order). A context
    variable, unlike an Odoo context key, cannot be set by an RPC caller."""
    token = _skipped.set(True)
    try:
        yield
    finally:
        _skipped.reset(token)


def is_skipped():
    return _skipped.get()


@dataclass
class Failure:
    """Why one partner's documents cannot pass: the numbers for the message
    and the override log."""

    partner: object
    company: object
    documents: object
    amount: float
    credit_limit: float
    exposure: float
    on_hold: bool
    hold_reason: str
    group: object = None  # the group's top company when the group limit is hit

    @property
    def excess(self):
        if not self.credit_limit:
            return 0.0
        return max(self.exposure + self.amount - self.credit_limit, 0.0)


def lock_partners(env, company, partner_ids):
    """Serializes credit extension per partner and company (see module doc)."""
    if not partner_ids:
        return
    env.cr.execute(
        SQL(
            """
            INSERT INTO credit_check_lock (company_id, partner_id, version)
            SELECT %s, unnest(%s::integer[]), 1
            ON CONFLICT (company_id, partner_id)
            DO UPDATE SET version = credit_check_lock.version + 1
            """,
            company.id,
            sorted(set(partner_ids)),
        )
    )


def check(env, company, amounts, already_counted=None, lock=True):
    """Checks new credit for commercial partners of one company.

    ``amounts`` maps commercial partner to (documents, amount in company
    currency); ``already_counted`` maps partner to the part of that amount
    that exposure already includes (draft invoices when the company counts
    them). ``lock=False`` only reads (banners). Returns the list of
    :class:`Failure`.
    """
    already_counted = already_counted or {}
    partners = env["res.partner"].browse([p.id for p in amounts])
    groups = {}
    if company.credit_check_group:
        for partner in partners:
            root = partners._credit_group_root(partner)
            if root != partner:
                groups[partner] = root
    members = {root: partners._credit_group_members(root) | root for root in set(groups.values())}
    involved = set(partners.ids)
    for group_members in members.values():
        involved.update(group_members.ids)
    if lock:
        lock_partners(env, company, partners.ids + [root.id for root in members])
    status = partners._credit_status(company, sorted(involved))

    failures = []
    for partner, (documents, amount) in amounts.items():
        row = status.get(partner.id)
        if not row:
            continue
        exposure = row["exposure"] - already_counted.get(partner, 0.0)
        new_limit_hit = (
            row["credit_limit"] and amount > 0 and (exposure + amount > row["credit_limit"])
        )
        if row["on_hold"] or new_limit_hit:
            failures.append(
                Failure(
                    partner,
                    company,
                    documents,
                    amount,
                    row["credit_limit"],
                    exposure,
                    row["on_hold"],
                    # Read for the message, whoever extends the credit.
                    partner.sudo().with_company(company).credit_hold_reason or "",
                )
            )
            continue
        root = groups.get(partner)
        if root and status.get(root.id, {}).get("credit_limit") and amount > 0:
            group_exposure = sum(status[m.id]["exposure"] for m in members[root] if m.id in status)
            group_exposure -= already_counted.get(partner, 0.0)
            if group_exposure + amount > status[root.id]["credit_limit"]:
                failures.append(
                    Failure(
                        partner,
                        company,
                        documents,
                        amount,
                        status[root.id]["credit_limit"],
                        group_exposure,
                        False,
                        "",
                        group=root,
                    )
                )
    return failures
