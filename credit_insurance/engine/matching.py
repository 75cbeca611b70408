"""Finding the buyers of a limit list's rows, set based.

A row names a buyer by the insurer's buyer id and by its legal id (VAT or
company registry) and country. The buyer id is tried first against the
buyers already known at the backend (a buyer made by a request to a file
insurer holds the legal id it was sent with, so that is tried too); then
the legal id and country against the customers of the backend's company:
a VAT number is compared without separators, with or without its country
prefix. One query per step for the whole file.
"""

from odoo.tools import SQL


def _normalized(column):
    return SQL("upper(regexp_replace(COALESCE(%s, ''), '[^0-9A-Za-z]', '', 'g'))", column)


def buyers_by_ref(env, backend_id, refs):
    """``{normalized insurer ref: (buyer id, partner id or None)}``."""
    if not refs:
        return {}
    rows = env.execute_query(
        SQL(
            """
            SELECT %(ref)s, b.id, b.partner_id
              FROM credit_insurance_buyer b
             WHERE b.backend_id = %(backend)s AND %(ref)s = ANY(%(refs)s)
             ORDER BY b.id
            """,
            ref=_normalized(SQL("b.insurer_ref")),
            backend=backend_id,
            refs=sorted(refs),
        )
    )
    found = {}
    for ref, buyer_id, partner_id in rows:
        found.setdefault(ref, (buyer_id, partner_id))
    return found


def partners_by_legal_id(env, company_id, wanted):
    """``{(normalized legal id, country code): [partner ids]}`` for the
    ``wanted`` pairs: active commercial partners of the company (or
    shared) whose VAT or company registry is the legal id."""
    if not wanted:
        return {}
    keys = sorted({legal for legal, _country in wanted})
    prefixed = sorted({country + legal for legal, country in wanted})
    vat, registry = _normalized(SQL("p.vat")), _normalized(SQL("p.company_registry"))
    rows = env.execute_query(
        SQL(
            """
            SELECT p.id, upper(c.code), %(vat)s, %(registry)s
              FROM res_partner p
              JOIN res_country c ON c.id = p.country_id
             WHERE p.active AND p.id = p.commercial_partner_id
               AND (p.company_id IS NULL OR p.company_id = %(company)s)
               AND (%(vat)s = ANY(%(keys)s) OR %(vat)s = ANY(%(prefixed)s)
                    OR %(registry)s = ANY(%(keys)s))
             ORDER BY p.id
            """,
            vat=vat,
            registry=registry,
            company=company_id,
            keys=keys,
            prefixed=prefixed,
        )
    )
    found = {}
    for partner_id, country, vat_key, registry_key in rows:
        matches = set()
        for legal in {vat_key, registry_key, vat_key.removeprefix(country)}:
            if legal and (legal, country) in wanted:
                matches.add((legal, country))
        for pair in matches:
            found.setdefault(pair, []).append(partner_id)
    return found
