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


@contextmanager
def enforced():
    """Checks again inside a skipped block: the confirmation of an order an
    online payment covers only in part still extends credit for the rest."""
    token = _skipped.set(False)
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
    limited: bool = None  # a zero limit is no credit at all (a cap), not no limit

    @property
    def excess(self):
        if not (self.credit_limit or self.limited):
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

    Each partner is checked against its own limit; where the company checks
    groups, every partner of a group (its top parent company included) is
    also checked against the top parent's limit, on the exposure of the
    whole group plus every document of the call for the group's partners.
    """
    already_counted = already_counted or {}
    partners = env["res.partner"].browse([p.id for p in amounts])
    groups = _groups(partners) if company.credit_check_group else {}
    involved = set(partners.ids)
    for members in groups.values():
        involved.update(members.ids)
    if lock:
        lock_partners(env, company, partners.ids + [root.id for root in groups])
    status = partners._credit_status(company, sorted(involved))

    failures = []
    for partner, (documents, amount) in amounts.items():
        row = status.get(partner.id)
        if not row:
            continue
        exposure = row["exposure"] - already_counted.get(partner, 0.0)
        new_limit_hit = row["limited"] and amount > 0 and (exposure + amount > row["credit_limit"])
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
                    limited=row["limited"],
                )
            )
    failed = {failure.partner for failure in failures}
    for root, members in groups.items():
        failures += _group_failures(
            company,
            root,
            members,
            amounts=amounts,
            already_counted=already_counted,
            status=status,
            failed=failed,
        )
    return failures


def _groups(partners):
    """{top parent company: its group's commercial partners} for the groups
    of ``partners`` that have more than one member."""
    groups = {}
    for partner in partners:
        root = partners._credit_group_root(partner)
        if root not in groups:
            groups[root] = partners._credit_group_members(root) | root
    return {root: members for root, members in groups.items() if len(members) > 1}


def _group_failures(company, root, members, *, amounts, already_counted, status, failed):
    """Failures of the call's partners in the group of ``root`` when the
    group's exposure plus all their documents exceeds the root's limit; one
    per partner (that its own limit did not stop already), each reporting
    the group's exposure with the other partners' documents of the call."""
    root_status = status.get(root.id, {})
    limit = root_status.get("credit_limit") or 0.0
    in_call = [
        (partner, docs, amount) for partner, (docs, amount) in amounts.items() if partner in members
    ]
    new_credit = sum(amount for _partner, _docs, amount in in_call)
    # A zero limit is no limit, unless a cap (a refused insurer) makes it no credit.
    if not root_status.get("limited") or new_credit <= 0:
        return []
    group_exposure = sum(status[m.id]["exposure"] for m in members if m.id in status)
    group_exposure -= sum(already_counted.get(partner, 0.0) for partner, _d, _a in in_call)
    if group_exposure + new_credit <= limit:
        return []
    return [
        Failure(
            partner,
            company,
            documents,
            amount,
            limit,
            group_exposure + new_credit - amount,
            False,
            "",
            group=root,
            limited=True,
        )
        for partner, documents, amount in in_call
        if partner not in failed and amount > 0
    ]
