"""Which documents a factoring contract may take, in one SQL statement.

Vocabulary:

* a *document* is a posted customer invoice or credit note of the
  contract's company;
* its *amount* is what its receivable lines (``display_type =
  'payment_term'``) hold in the contract currency, signed as booked (a
  credit note is negative): ``amount_currency`` for a document in the
  contract currency, ``balance`` otherwise (the contract is then in the
  company currency, see the contract's currency rule). The sum of the
  amounts of a batch is therefore the accounting balance of its documents;
* a document is *eligible* when it is unpaid (``payment_state =
  'not_paid'``), in one of the contract's document currencies, of the
  contract's customers or risk classes and countries, not below the minimum
  amount, not older than the maximum age, not under an open dispute, not in
  an open collection case, of an approved debtor where approvals are
  required, and in no live batch line;
* the *room* of a debtor is its approval in force minus what the live lines
  of the contract hold for it on documents still unpaid.

Nothing here loops over documents in Python: a batch of 10,000 invoices is
one ``INSERT ... SELECT``.
"""

from odoo.tools import SQL

CLOSED_CASE_STAGES = ("closed", "written_off")


def _rules(contract):
    """SQL conditions on ``move``, ``debtor`` (commercial partner) and
    ``recv`` (the receivable sums) of the contract's eligibility rules."""
    company = contract.company_id.id
    conditions = [
        SQL("move.currency_id = ANY(%s)", contract._document_currencies().ids),
        SQL("ABS(recv.amount) >= %s", contract.min_amount or 0.0),
    ]
    if contract.customer_ids or contract.risk_class_ids:
        conditions.append(
            SQL(
                "(debtor.id = ANY(%s) OR (debtor.credit_risk_class_id ->> %s)::integer = ANY(%s))",
                contract.customer_ids.commercial_partner_id.ids,
                str(company),
                contract.risk_class_ids.ids,
            )
        )
    if contract.country_ids:
        conditions.append(SQL("debtor.country_id = ANY(%s)", contract.country_ids.ids))
    if contract.exclude_disputed:
        conditions.append(
            SQL(
                """NOT EXISTS (
                    SELECT 1 FROM credit_collection_dispute_item_rel rel
                      JOIN credit_collection_dispute dispute ON dispute.id = rel.dispute_id
                      JOIN account_move_line item ON item.id = rel.move_line_id
                     WHERE item.move_id = move.id AND dispute.state = 'open')"""
            )
        )
    if contract.exclude_in_case:
        conditions.append(
            SQL(
                """NOT EXISTS (
                    SELECT 1 FROM credit_collection_case_item_rel rel
                      JOIN credit_collection_case c ON c.id = rel.case_id
                      JOIN account_move_line item ON item.id = rel.move_line_id
                     WHERE item.move_id = move.id
                       AND COALESCE(c.stage_type, '') != ALL(%s))""",
                list(CLOSED_CASE_STAGES),
            )
        )
    return SQL(" AND ").join(conditions)


def candidates_query(contract, today, move_ids=None):
    """SQL of the eligible documents of ``contract`` on ``today`` (all of
    them, or those of ``move_ids``): ``move_id, partner_id`` (commercial),
    ``move_type, invoice_date, currency_id, amount, balance``; the approval
    rule is not applied here (see :func:`selection_query`)."""
    oldest = SQL("TRUE")
    if contract.max_age_days:
        oldest = SQL("move.invoice_date >= %s::date - %s", today, contract.max_age_days)
    return SQL(
        """
        SELECT move.id AS move_id, debtor.id AS partner_id, move.move_type,
               move.invoice_date, move.currency_id, recv.amount, recv.balance
          FROM account_move move
          JOIN res_partner partner ON partner.id = move.partner_id
          JOIN res_partner debtor ON debtor.id = partner.commercial_partner_id
          CROSS JOIN LATERAL (
                SELECT SUM(CASE WHEN move.currency_id = %(currency)s THEN aml.amount_currency
                                ELSE aml.balance END) AS amount,
                       SUM(aml.balance) AS balance
                  FROM account_move_line aml
                 WHERE aml.move_id = move.id AND aml.display_type = 'payment_term'
          ) recv
         WHERE move.company_id = %(company)s AND move.state = 'posted'
           AND move.move_type IN ('out_invoice', 'out_refund')
           AND move.payment_state = 'not_paid'
           AND %(moves)s AND %(oldest)s AND %(rules)s
           AND NOT EXISTS (SELECT 1 FROM factoring_batch_line line
                            WHERE line.move_id = move.id AND line.live)
        """,
        currency=contract.currency_id.id,
        company=contract.company_id.id,
        moves=SQL("move.id = ANY(%s)", list(move_ids)) if move_ids is not None else SQL("TRUE"),
        oldest=oldest,
        rules=_rules(contract),
    )


def room_query(contract, today):
    """SQL of ``partner_id, approved, used, room`` per approved debtor of
    ``contract`` on ``today``: ``used`` is what live lines of the contract
    hold on documents still unpaid: not yet transferred and unpaid, or
    transferred (paid by the transfer) and the factor not yet paid.

    Callers use it as a ``MATERIALIZED`` CTE and so does it for ``used``:
    computed once whatever the planner guesses. Lines inserted by the running
    transaction have no statistics yet; with a subquery, PostgreSQL may
    recompute the sum of every debtor once per debtor (minutes for 1,000
    debtors)."""
    approvals = contract.env["factoring.debtor.approval"]._current_query(contract, today)
    return SQL(
        """
        WITH used AS MATERIALIZED (
                SELECT line.partner_id, SUM(line.amount) AS amount
                  FROM factoring_batch_line line
                  JOIN account_move move ON move.id = line.move_id
                 WHERE line.contract_id = %(contract)s AND line.live
                   AND line.settle_state = 'open'
                   AND (line.transfer_line_id IS NOT NULL
                        OR move.payment_state NOT IN ('paid', 'in_payment', 'reversed'))
                 GROUP BY line.partner_id
        )
        SELECT approval.partner_id, approval.amount AS approved,
               COALESCE(used.amount, 0) AS used,
               approval.amount - COALESCE(used.amount, 0) AS room
          FROM (%(approvals)s) approval
          LEFT JOIN used ON used.partner_id = approval.partner_id
        """,
        approvals=approvals,
        contract=contract.id,
    )


def selection_query(batch, today, move_ids=None):
    """An ``INSERT`` of the eligible documents into ``batch`` as live lines,
    within each debtor's room where the contract requires approvals: credit
    notes first, then invoices oldest first, as long as the running total
    stays within the room. Returns the ids of the lines inserted."""
    contract = batch.contract_id
    within = SQL("TRUE")
    if contract.approval_required:
        within = SQL("room.room IS NOT NULL AND ranked.running <= room.room")
    env = batch.env
    return SQL(
        """
        WITH room AS MATERIALIZED (%(room)s),
        ranked AS (
            SELECT c.*, SUM(c.amount) OVER (
                       PARTITION BY c.partner_id
                       ORDER BY c.amount < 0 DESC, c.invoice_date, c.move_id) AS running
              FROM (%(candidates)s) c
        )
        INSERT INTO factoring_batch_line
               (batch_id, contract_id, company_id, move_id, partner_id, move_type,
                currency_id, amount, balance, state, live, settle_state,
                create_uid, create_date, write_uid, write_date)
        SELECT %(batch)s, %(contract)s, %(company)s, ranked.move_id, ranked.partner_id,
               ranked.move_type, %(currency)s, ranked.amount, ranked.balance, 'pending', TRUE,
               'open',
               %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
          FROM ranked
          LEFT JOIN room ON room.partner_id = ranked.partner_id
         WHERE %(within)s
         ORDER BY ranked.partner_id, ranked.running
        ON CONFLICT (move_id) WHERE live DO NOTHING
        RETURNING id
        """,
        candidates=candidates_query(contract, today, move_ids),
        room=room_query(contract, today),
        within=within,
        batch=batch.id,
        contract=contract.id,
        company=contract.company_id.id,
        currency=contract.currency_id.id,
        uid=env.uid,
    )


def over_approval_query(batch, today):
    """SQL of ``partner_id, approved, used`` for the debtors of ``batch``
    whose live lines exceed their room (or that have no approval in force)."""
    return SQL(
        """
        WITH room AS MATERIALIZED (%(room)s)
        SELECT debtors.partner_id, room.approved, room.used
          FROM (SELECT DISTINCT partner_id FROM factoring_batch_line
                 WHERE batch_id = %(batch)s AND live) debtors
          LEFT JOIN room ON room.partner_id = debtors.partner_id
         WHERE room.room IS NULL OR room.room < 0
        """,
        batch=batch.id,
        room=room_query(batch.contract_id, today),
    )


def accounting_balance_query(batch):
    """SQL of ``count, amount``: the number of live documents of ``batch``
    and the balance of their receivable lines as booked, in the contract
    currency (read from the journal items, not from the batch lines)."""
    return SQL(
        """
        SELECT COUNT(DISTINCT line.move_id),
               COALESCE(SUM(CASE WHEN move.currency_id = %(currency)s THEN aml.amount_currency
                                 ELSE aml.balance END), 0)
          FROM factoring_batch_line line
          JOIN account_move move ON move.id = line.move_id
          JOIN account_move_line aml
            ON aml.move_id = move.id AND aml.display_type = 'payment_term'
         WHERE line.batch_id = %(batch)s AND line.live
        """,
        currency=batch.contract_id.currency_id.id,
        batch=batch.id,
    )
