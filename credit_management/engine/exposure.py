"""Set-based credit exposure.

Exposure is measured per commercial partner and company, in the company's
currency at today's rate (an open receivable in a foreign currency is worth
what it would bring in today, not what it was booked at). It is the sum of
*buckets*; each bucket is one SQL query returning rows of
``(company_id, partner_id, amount)``. The core buckets are declared by
``res.partner._credit_exposure_buckets``; other addons extend that list (the
sale bridge adds confirmed uninvoiced orders) instead of overriding the
computation.

Every query here takes a *scope*: the companies and, optionally, the
commercial partners to look at, so the same SQL serves the credit check of
one partner and the list of every partner over its limit.
"""

from dataclasses import dataclass

from odoo import fields
from odoo.tools import SQL


@dataclass(frozen=True)
class Bucket:
    """One component of exposure.

    ``key`` names the column of the exposure report that shows it;
    ``query(scope)`` returns an SQL selecting ``bucket, company_id,
    partner_id, amount`` (company currency, commercial partner) restricted to
    the scope. Several buckets may share one query (one pass over the open
    items gives not due, overdue and unapplied); it runs once.
    """

    key: str
    label: str
    query: object


@dataclass(frozen=True)
class Scope:
    """Companies, commercial partners and date an exposure query covers.

    Build it with :func:`scope`.
    """

    companies: object  # res.company recordset
    partner_ids: tuple  # commercial partner ids; empty means all
    today: object
    receivable_account_ids: tuple

    def partner_filter(self, column):
        if not self.partner_ids:
            return SQL("TRUE")
        return SQL("%s = ANY(%s)", column, list(self.partner_ids))

    def company_filter(self, column):
        return SQL("%s = ANY(%s)", column, self.companies.ids)

    def commercial_filter(self, column, ordered=False):
        """``column`` (a res_partner id) belongs to one of the scope's
        commercial partners: lets PostgreSQL go through the partner indexes
        of the big tables. ``ordered`` compares with an array (computed once)
        so that an index scan on ``column`` returns rows in index order."""
        if not self.partner_ids:
            return SQL("TRUE")
        children = SQL(
            "SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s)",
            list(self.partner_ids),
        )
        if ordered:
            return SQL("%s = ANY(ARRAY(%s))", column, children)
        return SQL("%s IN (%s)", column, children)

    def convert(self, amount, company, currency):
        """SQL of ``amount`` (in ``currency``) in ``company``'s currency at the
        scope's date; see :data:`RATIO_FUNCTION`."""
        return SQL("ROUND(%s * %s, 2)", amount, self.ratio(company, currency))

    def ratio(self, company, currency):
        """SQL of the factor turning an amount in ``currency`` into
        ``company``'s currency at the scope's date."""
        return SQL("credit_management_ratio(%s, %s, %s)", currency, company, self.today)


# Odoo's rate rules (res.currency._get_rates): the rate of the company's root
# company or a shared one, the latest on or before the date, else the oldest,
# else 1. A function rather than scalar subqueries in every exposure query:
# PostgreSQL plans it once per connection instead of once per query, and it
# runs only where called (items in a foreign currency).
RATIO_FUNCTION = SQL(
    """
    CREATE OR REPLACE FUNCTION credit_management_ratio(currency integer, company integer, day date)
    RETURNS numeric LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
    DECLARE
        root integer;
        company_currency integer;
    BEGIN
        SELECT split_part(c.parent_path, '/', 1)::integer, c.currency_id
          INTO root, company_currency
          FROM res_company c WHERE c.id = company;
        IF currency = company_currency THEN
            RETURN 1.0;
        END IF;
        RETURN credit_management_rate(company_currency, root, day)
               / credit_management_rate(currency, root, day);
    END $$;
    """
)
RATE_FUNCTION = SQL(
    """
    CREATE OR REPLACE FUNCTION credit_management_rate(currency integer, root integer, day date)
    RETURNS numeric LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT COALESCE(
            (SELECT r.rate FROM res_currency_rate r
              WHERE r.currency_id = currency AND r.name <= day
                AND (r.company_id IS NULL OR r.company_id = root)
              ORDER BY r.company_id, r.name DESC LIMIT 1),
            (SELECT r.rate FROM res_currency_rate r
              WHERE r.currency_id = currency
                AND (r.company_id IS NULL OR r.company_id = root)
              ORDER BY r.company_id, r.name LIMIT 1),
            1.0)
    $$;
    """
)
FUNCTIONS = ("credit_management_ratio", "credit_management_rate")


def create_functions(cr):
    cr.execute(RATE_FUNCTION)
    cr.execute(RATIO_FUNCTION)


def drop_functions(cr):
    for name in FUNCTIONS:
        cr.execute(SQL("DROP FUNCTION IF EXISTS %s CASCADE", SQL.identifier(name)))


def scope(companies, partner_ids=(), today=None):
    today = fields.Date.to_date(
        today or companies.env.context.get("credit_today") or fields.Date.context_today(companies)
    )
    accounts = companies.env.execute_query(
        SQL("SELECT id FROM account_account WHERE account_type = 'asset_receivable'")
    )
    return Scope(
        companies, tuple(partner_ids), today, tuple(account_id for (account_id,) in accounts)
    )


def open_receivables_query(scope):
    """Open posted receivable items of the scope, revalued at today's rate.

    Reads the open balances the database keeps per partner, company,
    account, currency and due date (see :mod:`.balance`) rather than the
    items themselves: a partner with 10,000 open items over six months is a
    couple of hundred rows, summed per partner, company and currency in the
    order of their index, and only then joined to the commercial partner and
    converted.

    What partners owe (positive residuals) is ``not_due`` or ``overdue`` by
    the due date; unapplied payments and open credit notes (negative
    residuals) are ``unapplied`` and count only where the company nets them.
    A foreign-currency amount is its residual in that currency at today's
    rate, summed before converting.
    """
    # bucket: (side of the balance it sums, which rows); a sum of one side's
    # amounts is zero only where there is none: NULL then, as without rows.
    buckets = {
        "overdue": ("debit", SQL("bal.date_due < %s", scope.today)),
        "not_due": ("debit", SQL("bal.date_due >= %s", scope.today)),
        "unapplied": ("credit", None),
    }
    sums = SQL(", ").join(
        SQL(
            "NULLIF(SUM(bal.%s) %s, 0) AS %s",
            SQL.identifier(f"{side}_residual{column_suffix}"),
            SQL("FILTER (WHERE %s)", condition) if condition else SQL(),
            SQL.identifier(f"{bucket}{alias_suffix}"),
        )
        for bucket, (side, condition) in buckets.items()
        for column_suffix, alias_suffix in (("", ""), ("_currency", "_cur"))
    )

    def amount(bucket):
        return SQL(
            "CASE WHEN s.currency_id = company.currency_id THEN s.%s "
            "ELSE ROUND(s.%s * rate.ratio, 2) END",
            SQL.identifier(bucket),
            SQL.identifier(f"{bucket}_cur"),
        )

    return SQL(
        """
        SELECT b.bucket, s.company_id, partner.commercial_partner_id AS partner_id, b.amount
          FROM (SELECT bal.partner_id, bal.company_id, bal.currency_id, %(sums)s
                  FROM credit_open_balance bal
                 WHERE bal.account_id = ANY(%(accounts)s)
                   AND %(company)s AND %(partner)s
                 GROUP BY bal.partner_id, bal.company_id, bal.currency_id) s
          JOIN res_company company ON company.id = s.company_id
          JOIN res_partner partner ON partner.id = s.partner_id
          CROSS JOIN LATERAL (SELECT CASE WHEN s.currency_id != company.currency_id
                                          THEN %(ratio)s END AS ratio OFFSET 0) rate
          CROSS JOIN LATERAL (VALUES ('overdue', %(overdue)s), ('not_due', %(not_due)s),
                                     ('unapplied', CASE WHEN company.credit_net_unapplied
                                                        THEN %(unapplied)s END)) b(bucket, amount)
         WHERE b.amount IS NOT NULL
        """,
        sums=sums,
        ratio=scope.ratio(SQL("s.company_id"), SQL("s.currency_id")),
        overdue=amount("overdue"),
        not_due=amount("not_due"),
        unapplied=amount("unapplied"),
        accounts=list(scope.receivable_account_ids),
        company=scope.company_filter(SQL("bal.company_id")),
        partner=scope.commercial_filter(SQL("bal.partner_id"), ordered=True),
    )


def draft_invoices_query(scope, also=None):
    """Customer invoices still in draft, where the company counts them (and
    wherever the SQL condition ``also`` on ``move`` holds)."""
    return SQL(
        """
        SELECT 'draft_invoices' AS bucket, move.company_id,
               partner.commercial_partner_id AS partner_id, %(converted)s AS amount
          FROM account_move move
          JOIN res_company company ON company.id = move.company_id
          JOIN res_partner partner ON partner.id = move.partner_id
         WHERE move.state = 'draft' AND move.move_type = 'out_invoice'
           AND (company.credit_include_draft OR %(also)s)
           AND %(company)s AND %(partner)s
        """,
        converted=scope.convert(
            SQL("move.amount_total_in_currency_signed"),
            SQL("move.company_id"),
            SQL("move.currency_id"),
        ),
        also=also or SQL("FALSE"),
        company=scope.company_filter(SQL("move.company_id")),
        partner=scope.commercial_filter(SQL("move.partner_id")),
    )


def exposure_rows(buckets, scope):
    """One SQL with a row per (company, commercial partner) and a column per
    bucket key, plus ``exposure``, the sum of all buckets."""
    queries = list(dict.fromkeys(bucket.query for bucket in buckets))
    union = SQL(" UNION ALL ").join(query(scope) for query in queries)
    columns = SQL(", ").join(
        SQL(
            "COALESCE(SUM(amount) FILTER (WHERE bucket = %s), 0) AS %s",
            bucket.key,
            SQL.identifier(bucket.key),
        )
        for bucket in buckets
    )
    return SQL(
        """
        SELECT company_id, partner_id, %(columns)s, COALESCE(SUM(amount), 0) AS exposure
          FROM (%(union)s) items
         GROUP BY company_id, partner_id
        """,
        columns=columns,
        union=union,
    )


def limits_query(scope, company_defaults, caps):
    """Effective credit limit, hold and risk class per commercial partner.

    ``company_defaults`` maps company id to the default limit of Odoo's
    settings; ``caps`` is a list of SQL returning ``company_id, partner_id,
    cap`` (an insurer's cover, say) that lower the limit; a cap of zero
    means no credit at all.
    The limit comes from the partner itself, else from its risk class, else
    from the company; zero means no limit, unless a cap applies: ``limited``
    tells the two zeros apart. A partner's own limit is the one
    it has for the company, or one marked as its own (``credit_limit_own``)
    whose value Odoo did not store because it equals the company's fallback:
    then it is that fallback. A partner's own zero is no limit too, chosen
    for that partner over its class's.
    """
    companies = SQL(", ").join(
        SQL("(%s, %s::numeric)", company.id, company_defaults.get(company.id) or 0)
        for company in scope.companies
    )
    cap_union = SQL(" UNION ALL ").join(caps) if caps else None
    capped = (
        SQL(
            """LEFT JOIN (SELECT company_id, partner_id, MIN(cap) AS cap FROM (%s) caps
                          GROUP BY company_id, partner_id) cap
                   ON cap.company_id = c.company_id AND cap.partner_id = p.id""",
            cap_union,
        )
        if cap_union
        else SQL("LEFT JOIN (SELECT NULL::numeric AS cap) cap ON FALSE")
    )
    return SQL(
        """
        SELECT c.company_id, p.id AS partner_id, rc.id AS risk_class_id,
               COALESCE((p.credit_hold ->> c.company_id::text)::boolean, FALSE) AS on_hold,
               CASE WHEN cap.cap IS NOT NULL AND (base.amount <= 0 OR cap.cap < base.amount)
                         THEN 'cap'
                    WHEN own.is_set THEN 'partner'
                    WHEN rc.default_credit_limit > 0 THEN 'class'
                    WHEN c.default_limit > 0 THEN 'company'
                    ELSE 'none' END AS limit_source,
               cap.cap AS limit_cap,
               CASE WHEN cap.cap IS NULL THEN base.amount
                    WHEN base.amount > 0 THEN LEAST(base.amount, cap.cap)
                    ELSE cap.cap END AS credit_limit,
               cap.cap IS NOT NULL OR base.amount > 0 AS limited
          FROM res_partner p
          CROSS JOIN (VALUES %(companies)s) AS c(company_id, default_limit)
          LEFT JOIN credit_risk_class rc
                 ON rc.id = (p.credit_risk_class_id ->> c.company_id::text)::integer
          %(capped)s
          CROSS JOIN LATERAL (SELECT p.credit_limit ? c.company_id::text
                OR COALESCE((p.credit_limit_own ->> c.company_id::text)::boolean, FALSE) AS is_set
                OFFSET 0) own
          CROSS JOIN LATERAL (SELECT CASE
                WHEN own.is_set
                     THEN COALESCE((p.credit_limit ->> c.company_id::text)::numeric,
                                   c.default_limit)
                WHEN rc.default_credit_limit > 0 THEN rc.default_credit_limit
                ELSE c.default_limit END AS amount) base
         WHERE p.id = p.commercial_partner_id AND %(partner)s
        """,
        companies=companies,
        capped=capped,
        partner=scope.partner_filter(SQL("p.id")),
    )


def status_query(buckets, scope, company_defaults, caps, relevant_only=False):
    """Limit, exposure per bucket and available credit per commercial partner
    and company: the single query behind the partner's Credit tab, the credit
    check and the over-limit list.

    ``relevant_only`` keeps the partners that have exposure, a hold, a limit of
    their own or a risk class (the others have nothing to show).
    """
    bucket_columns = SQL(", ").join(
        SQL("COALESCE(e.%s, 0) AS %s", SQL.identifier(b.key), SQL.identifier(b.key))
        for b in buckets
    )
    relevant = (
        SQL(
            "AND (e.partner_id IS NOT NULL OR l.on_hold OR l.limit_source IN ('partner', 'class') "
            "OR l.limit_cap IS NOT NULL)"
        )
        if relevant_only
        else SQL()
    )
    return SQL(
        """
        SELECT l.company_id, l.partner_id, l.risk_class_id, l.on_hold, l.limit_source,
               l.credit_limit, l.limited, %(bucket_columns)s,
               COALESCE(e.exposure, 0) AS exposure,
               CASE WHEN l.limited THEN l.credit_limit - COALESCE(e.exposure, 0)
                    END AS available,
               l.limited AND COALESCE(e.exposure, 0) > l.credit_limit AS over_limit
          FROM (%(limits)s) l
          LEFT JOIN (%(exposure)s) e
                 ON e.company_id = l.company_id AND e.partner_id = l.partner_id
         WHERE TRUE %(relevant)s
        """,
        bucket_columns=bucket_columns,
        limits=limits_query(scope, company_defaults, caps),
        exposure=exposure_rows(buckets, scope),
        relevant=relevant,
    )
