"""Matching a factor's statement to the batches, in one SQL statement.

Vocabulary:

* a *statement line* is one movement the factor reports on its account with
  us: a debtor's payment, a fee or interest it charged, an advance it paid,
  a reserve it released, a recourse (charge-back of a document the debtor
  did not pay) or anything else;
* *document lines* are the payments and recourses: they name a document
  (its number as we sent it) and are matched to its batch line; the other
  kinds are information, totalled on the statement and matched to nothing;
* the *batch line* of a document line is the line of the document on the
  statement's contract (the one of the factor's batch reference when the
  factor gives it), a live one before a rejected or cancelled one; when the
  contract has none, a line of another contract of the company, to say so;
* its *match state*, first that applies:
  ``other`` the document is on an earlier line of the same kind in the
  statement, or in no batch of the factor's reference, or a recourse on a
  contract without recourse; ``unknown`` no batch
  line of the company holds the document; ``other_contract`` only another
  contract's; ``not_funded`` the line is not accepted in a funded batch;
  ``settled`` it is already settled or bought back; ``amount_differs`` the
  amounts differ at the currency's precision; ``matched`` otherwise;
* the *expected amount* is the batch line's amount (contract currency,
  signed as booked: a credit note is negative) for a payment, its opposite
  for a recourse: the factor reports what it takes back as negative;
* the *difference* is what the line reports beyond what we expect: the
  amount less the expected amount when they differ, the whole amount when
  nothing on our side explains it, zero when matched.
"""

from odoo.tools import SQL

DOCUMENT_KINDS = ("payment", "recourse")


def match_query(statement):
    """``UPDATE`` of the lines of ``statement``: batch line, expected
    amount, match state and difference."""
    digits = statement.currency_id.decimal_places
    return SQL(
        """
        WITH doc AS (
            SELECT sl.id, sl.kind, sl.amount, sl.factor_ref,
                   row_number() OVER (
                       PARTITION BY sl.kind, sl.document_number ORDER BY sl.sequence, sl.id
                   ) > 1 AS repeated
              FROM factoring_statement_line sl
             WHERE sl.statement_id = %(statement)s
               AND sl.kind = ANY(%(kinds)s)
               AND COALESCE(sl.document_number, '') <> ''
        ), candidate AS (
            SELECT DISTINCT ON (doc.id)
                   doc.id, bl.id AS batch_line_id,
                   CASE WHEN doc.kind = 'recourse' THEN -bl.amount ELSE bl.amount END AS amount,
                   bl.contract_id = %(contract)s AS same_contract,
                   (COALESCE(doc.factor_ref, '') = ''
                    OR COALESCE(b.factor_ref = doc.factor_ref, FALSE)) AS ref_ok,
                   (bl.live AND bl.state = 'accepted' AND b.state = 'funded') AS funded,
                   bl.settle_state <> 'open' AS settled
              FROM doc
              JOIN factoring_statement_line sl ON sl.id = doc.id
              JOIN account_move m ON m.name = sl.document_number AND m.company_id = %(company)s
              JOIN factoring_batch_line bl ON bl.move_id = m.id AND bl.company_id = %(company)s
              JOIN factoring_batch b ON b.id = bl.batch_id
             ORDER BY doc.id,
                      bl.contract_id = %(contract)s DESC,
                      (COALESCE(doc.factor_ref, '') = ''
                       OR COALESCE(b.factor_ref = doc.factor_ref, FALSE)) DESC,
                      bl.live DESC, bl.id DESC
        ), result AS (
            SELECT sl.id, c.batch_line_id, c.amount AS expected,
                   CASE
                       WHEN doc.id IS NULL THEN
                           CASE WHEN sl.kind = ANY(%(kinds)s) THEN 'unknown' ELSE 'info' END
                       WHEN doc.repeated THEN 'other'
                       WHEN c.id IS NULL THEN 'unknown'
                       WHEN NOT c.same_contract THEN 'other_contract'
                       WHEN NOT c.ref_ok THEN 'other'
                       WHEN sl.kind = 'recourse' AND NOT %(recourse)s THEN 'other'
                       WHEN NOT c.funded THEN 'not_funded'
                       WHEN c.settled THEN 'settled'
                       WHEN ROUND(sl.amount - c.amount, %(digits)s) <> 0 THEN 'amount_differs'
                       ELSE 'matched'
                   END AS match_state
              FROM factoring_statement_line sl
              LEFT JOIN doc ON doc.id = sl.id
              LEFT JOIN candidate c ON c.id = sl.id
             WHERE sl.statement_id = %(statement)s
        )
        UPDATE factoring_statement_line sl
           SET batch_line_id = r.batch_line_id,
               expected_amount = COALESCE(r.expected, 0),
               match_state = r.match_state,
               difference = CASE r.match_state
                   WHEN 'matched' THEN 0
                   WHEN 'info' THEN 0
                   WHEN 'amount_differs' THEN sl.amount - r.expected
                   ELSE sl.amount
               END
          FROM result r
         WHERE r.id = sl.id
        """,
        statement=statement.id,
        contract=statement.contract_id.id,
        company=statement.company_id.id,
        kinds=list(DOCUMENT_KINDS),
        digits=digits,
        recourse=statement.contract_id.recourse == "with",
    )
