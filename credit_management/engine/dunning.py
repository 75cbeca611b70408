"""Set-based dunning: which open items reach which level today, with their
fees, interest and compensation, for every debtor of a company at once.

One statement selects the items and computes their levels
(:func:`items_query`); another turns a batch of debtors into communications
and lines (:func:`insert_batch`); a third applies the new levels to the
journal items (:func:`apply_levels`). Models only orchestrate: batches,
claims, sending.

Vocabulary: a *debtor* is a commercial partner; an *item* an open receivable
journal item (one per installment); its *rank* the position of its level in
the policy (1 = first level; 0 = never dunned under this policy).
"""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

from odoo.tools import SQL

_posting_charges = contextvars.ContextVar("credit_dunning_posting_charges", default=False)


@contextmanager
def posting_charges():
    """Marks the invoices created in the block as reminder charges. A
    context variable, unlike an Odoo context key, cannot be set by an RPC
    caller: only the dunning code marks (or unmarks) charges."""
    token = _posting_charges.set(True)
    try:
        yield
    finally:
        _posting_charges.reset(token)


def is_posting_charges():
    return _posting_charges.get()


@dataclass
class Context:
    """What one dunning computation looks at."""

    company: object
    today: object
    receivable_account_ids: tuple
    debtor_ids: tuple = ()  # empty: every debtor of the company
    exclusions: list = field(default_factory=list)  # [(code, SQL of move line ids)]
    periods: list = field(default_factory=list)  # [(rule id, first, last, rate %)]
    tiers: list = field(default_factory=list)  # [(rule id, threshold, amount)]
    force_debtor_ids: tuple = ()  # communicate even without a new level (manual reminder)
    partner_ids: tuple = ()  # the debtors and their contacts

    def debtor_filter(self, column):
        """``column`` (a res_partner id) is one of the debtors or their
        contacts (``partner_ids``, listed so that PostgreSQL estimates a batch
        right and reads it through the partner index of the journal items)."""
        if not self.debtor_ids:
            return SQL("TRUE")
        return SQL("%s = ANY(%s)", column, list(self.partner_ids))


def _values(rows, types, empty):
    if not rows:
        return SQL("SELECT %s WHERE FALSE", SQL(empty))
    return SQL(
        "VALUES %s",
        SQL(", ").join(
            SQL(
                "(%s)",
                SQL(", ").join(
                    SQL("%s::" + kind, value) for value, kind in zip(row, types, strict=True)
                ),
            )
            for row in rows
        ),
    )


def items_query(ctx):
    """Every open receivable item of the context's debtors with its policy,
    current and new level (rank), days late and why it is excluded, if it
    is. Columns: item_id, move_id, debtor_id, policy_id, maturity, days_late,
    residual, residual_currency, currency_id, cur_level_id, cur_rank,
    new_level_id, new_rank, excluded."""
    cid = str(ctx.company.id)
    reasons = SQL(" ").join(
        SQL("WHEN i.item_id IN (%s) THEN %s", query, code) for code, query in ctx.exclusions
    )
    return SQL(
        """
        WITH levels AS (
            SELECT l.id, l.policy_id, l.days, l.min_days_since_previous AS min_days,
                   row_number() OVER (PARTITION BY l.policy_id ORDER BY l.sequence, l.id) AS rank
              FROM credit_dunning_level l
              JOIN credit_dunning_policy pol ON pol.id = l.policy_id
             WHERE pol.company_id = %(company)s AND pol.active
        ),
        open_items AS (
            SELECT aml.id AS item_id, aml.move_id, partner.commercial_partner_id AS debtor_id,
                   COALESCE(aml.date_maturity, aml.date) AS maturity,
                   aml.amount_residual AS residual,
                   aml.amount_residual_currency AS residual_currency, aml.currency_id,
                   state.level_id, state.date AS last_date, aml.no_followup
              FROM account_move_line aml
              JOIN res_partner partner ON partner.id = aml.partner_id
              LEFT JOIN credit_dunning_item state ON state.move_line_id = aml.id
             WHERE aml.company_id = %(company)s
               AND aml.account_id = ANY(%(accounts)s)
               AND aml.reconciled IS NOT TRUE
               AND aml.parent_state = 'posted'
               AND aml.amount_residual != 0
               AND %(debtors)s
        ),
        debtors AS (
            SELECT p.id AS debtor_id,
                   COALESCE((p.credit_dunning_policy_id ->> %(cid)s)::integer,
                            rc.dunning_policy_id, company.credit_dunning_policy_id) AS policy_id,
                   COALESCE((p.credit_dunning_excluded ->> %(cid)s)::boolean, FALSE) AS excluded
              FROM res_partner p
              JOIN res_company company ON company.id = %(company)s
              LEFT JOIN credit_risk_class rc
                     ON rc.id = (p.credit_risk_class_id ->> %(cid)s)::integer
             WHERE p.id IN (SELECT DISTINCT debtor_id FROM open_items)
        ),
        items AS (
            SELECT i.*, d.policy_id, pol.skip_levels, %(today)s - i.maturity AS days_late,
                   cur.id AS cur_level_id, COALESCE(cur.rank, 0) AS cur_rank,
                   CASE WHEN d.excluded THEN 'partner'
                        WHEN i.no_followup THEN 'no_followup'
                        %(reasons)s
                   END AS excluded
              FROM open_items i
              JOIN debtors d ON d.debtor_id = i.debtor_id
              JOIN credit_dunning_policy pol ON pol.id = d.policy_id AND pol.active
                                            AND pol.company_id = %(company)s
              LEFT JOIN levels cur ON cur.id = i.level_id AND cur.policy_id = d.policy_id
        )
        -- The level an item reaches: the next one (or, skipping, the highest)
        -- whose days it is late enough for, once the previous reminder is old
        -- enough. A lateral lookup in the few levels, per item: no join back.
        SELECT i.item_id, i.move_id, i.debtor_id, i.policy_id, i.maturity, i.days_late,
               i.residual, i.residual_currency, i.currency_id, i.cur_level_id, i.cur_rank,
               nxt.id AS new_level_id, nxt.rank AS new_rank, i.excluded
          FROM items i
          LEFT JOIN LATERAL (
              SELECT l.id, l.rank FROM levels l
               WHERE l.policy_id = i.policy_id
                 AND l.rank > i.cur_rank
                 AND (i.skip_levels OR l.rank = i.cur_rank + 1)
                 AND l.days <= i.days_late
                 AND (i.last_date IS NULL OR %(today)s - i.last_date >= l.min_days)
               ORDER BY l.rank DESC LIMIT 1
          ) nxt ON i.residual > 0 AND i.excluded IS NULL
        """,
        company=ctx.company.id,
        cid=cid,
        accounts=list(ctx.receivable_account_ids),
        debtors=ctx.debtor_filter(SQL("aml.partner_id")),
        today=ctx.today,
        reasons=reasons,
    )


LISTED = """(residual < 0 OR (excluded IS NULL
                AND (new_rank IS NOT NULL OR days_late > 0 OR cur_rank > 0)))"""


def debtors_query(items):
    """Per debtor of ``items`` (SQL of a relation shaped like
    :func:`items_query`): how many items reach a new level, the total of the
    items to list, the unapplied credits and the net balance. A debtor gets a
    communication when an item reaches a new level (or a reminder is forced)
    and the balance is positive: credits covering it mean no reminder."""
    return SQL(
        """
        SELECT debtor_id,
               COUNT(*) FILTER (WHERE new_rank IS NOT NULL) AS new_items,
               COALESCE(SUM(residual) FILTER (WHERE residual > 0 AND %(listed)s), 0)
                   AS listed_total,
               COALESCE(-SUM(residual) FILTER (WHERE residual < 0), 0) AS credits,
               COALESCE(SUM(residual) FILTER (WHERE %(listed)s), 0) AS balance
          FROM %(items)s items
         GROUP BY debtor_id
        """,
        listed=SQL(LISTED),
        items=items,
    )


def selection_query(ctx):
    """The selection of the whole company in one pass over its items (the
    run log, the preview and the benchmark's "selection" figure): debtors to
    remind, debtors whose credits cover the balance, late items excluded per
    reason, items per new level, and each debtor with an item reaching a new
    level (kind 'select': the run's batches). Rows of (kind,
    key, count)."""
    return SQL(
        """
        WITH items AS MATERIALIZED (%(items)s),
        debtors AS (%(debtors)s)
        SELECT 'debtor' AS kind,
               CASE WHEN balance > 0 AND listed_total > 0 THEN 'to_remind' ELSE 'covered' END,
               COUNT(*)
          FROM debtors WHERE new_items > 0 GROUP BY 2
        UNION ALL
        SELECT 'excluded', excluded, COUNT(*) FROM items
         WHERE excluded IS NOT NULL AND residual > 0 AND days_late > 0 GROUP BY 2
        UNION ALL
        SELECT 'level', new_level_id::text, COUNT(*) FROM items
         WHERE new_level_id IS NOT NULL GROUP BY 2
        UNION ALL
        SELECT 'select', debtor_id::text, new_items FROM debtors WHERE new_items > 0
        """,
        items=items_query(ctx),
        debtors=debtors_query(SQL("items")),
    )


BATCH_TABLE = "credit_dunning_batch"


def batch_table(ctx):
    """A temporary table of the batch's lines to be: each item to list (with
    the fee, interest and compensation of its new level) and each unapplied
    credit of the debtors that get a communication. Analysed before use, it
    gives PostgreSQL true row counts for the inserts that follow (CTE
    estimates led it to nested loops over thousands of rows)."""
    forced = list(ctx.force_debtor_ids)
    return SQL(
        """
        CREATE TEMP TABLE %(table)s AS
        WITH items AS MATERIALIZED (%(items)s),
        -- Per debtor totals as window aggregates: one sort of the batch's
        -- items instead of a join back to a per-debtor table.
        flagged AS MATERIALIZED (
            SELECT i.*,
                   COUNT(*) FILTER (WHERE new_rank IS NOT NULL) OVER debtor AS new_items,
                   COALESCE(SUM(residual) FILTER (WHERE residual > 0 AND %(listed_filter)s)
                            OVER debtor, 0) AS listed_total,
                   COALESCE(-SUM(residual) FILTER (WHERE residual < 0) OVER debtor, 0)
                       AS credits,
                   COALESCE(SUM(residual) FILTER (WHERE %(listed_filter)s) OVER debtor, 0)
                       AS balance
              FROM items i
            WINDOW debtor AS (PARTITION BY debtor_id)
        ),
        listed AS (
            -- Charges invoiced for earlier reminders are owed like any item,
            -- but earn no interest or compensation of their own.
            SELECT i.*, lvl.fee_type, lvl.fee_amount,
                   lvl.charge_interest AND move.credit_dunning_charges IS NOT TRUE
                       AS charge_interest,
                   lvl.charge_compensation AND move.credit_dunning_charges IS NOT TRUE
                       AS charge_compensation,
                   pol.interest_rule_id,
                   CASE WHEN i.residual < 0 THEN 'credit' ELSE 'item' END AS kind,
                   SUM(i.residual) FILTER (WHERE i.residual > 0)
                       OVER (PARTITION BY i.move_id) AS move_debt,
                   MIN(i.item_id) FILTER (WHERE i.new_level_id IS NOT NULL AND i.days_late > 0)
                       OVER (PARTITION BY i.move_id) AS first_new_of_move
              FROM flagged i
              JOIN credit_dunning_policy pol ON pol.id = i.policy_id
              JOIN account_move move ON move.id = i.move_id
              LEFT JOIN credit_dunning_level lvl ON lvl.id = i.new_level_id
             WHERE (i.new_items > 0 OR i.debtor_id = ANY(%(forced)s))
               AND i.balance > 0 AND i.listed_total > 0 AND %(listed_filter)s
        ),
        -- Charged: by reminders on their way or sent (lines raising a
        -- level), not by previews nor by blocked or failed reminders.
        charged AS (
            SELECT line.move_line_id AS item_id, SUM(line.interest) AS interest
              FROM credit_dunning_line line
             WHERE line.move_line_id IN (SELECT item_id FROM listed WHERE new_level_id IS NOT NULL)
               AND line.new_level
             GROUP BY line.move_line_id
        ),
        compensated AS (
            SELECT DISTINCT line.move_id FROM credit_dunning_line line
             WHERE line.compensation > 0 AND line.new_level
               AND line.move_id IN (SELECT move_id FROM listed WHERE charge_compensation)
        ),
        periods AS (SELECT * FROM (%(periods)s) p(rule_id, first, last, rate)),
        tiers AS (SELECT * FROM (%(tiers)s) t(rule_id, threshold, amount)),
        rule_ratio AS MATERIALIZED (
            SELECT rule.id AS rule_id,
                   credit_management_ratio(rule.compensation_currency_id, %(company)s, %(today)s)
                       AS ratio
              FROM credit_late_interest_rule rule
             WHERE rule.id IN (SELECT DISTINCT rule_id FROM tiers)
        ),
        accrued AS (
            SELECT l.item_id,
                   SUM(l.residual * p.rate / 100
                       * (LEAST(p.last, %(today)s) - GREATEST(p.first, l.maturity + 1) + 1)
                       / rule.day_count) AS amount
              FROM listed l
              JOIN periods p ON p.rule_id = l.interest_rule_id
                            AND p.last > l.maturity AND p.first <= %(today)s
              JOIN credit_late_interest_rule rule ON rule.id = p.rule_id
             WHERE l.new_level_id IS NOT NULL AND l.charge_interest AND l.days_late > 0
             GROUP BY l.item_id
        ),
        priced AS (
            SELECT l.*,
                   CASE WHEN l.new_level_id IS NULL THEN 0
                        WHEN l.fee_type = 'fixed' THEN l.fee_amount
                        WHEN l.fee_type = 'percent' THEN ROUND(l.residual * l.fee_amount / 100, 2)
                        ELSE 0 END AS fee,
                   GREATEST(ROUND(COALESCE(a.amount, 0), 2) - COALESCE(c.interest, 0), 0)
                       AS interest,
                   CASE WHEN l.charge_compensation AND l.item_id = l.first_new_of_move
                             AND comp.move_id IS NULL
                        THEN COALESCE((
                            SELECT ROUND(t.amount * rr.ratio, 2)
                              FROM rule_ratio rr JOIN tiers t ON t.rule_id = rr.rule_id
                             WHERE rr.rule_id = l.interest_rule_id
                               AND t.threshold <= l.move_debt / rr.ratio
                             ORDER BY t.threshold DESC LIMIT 1), 0)
                        ELSE 0 END AS compensation
              FROM listed l
              LEFT JOIN accrued a ON a.item_id = l.item_id
              LEFT JOIN charged c ON c.item_id = l.item_id
              LEFT JOIN compensated comp ON comp.move_id = l.move_id
        )
        SELECT * FROM priced
        """,
        items=items_query(ctx),
        listed_filter=SQL(LISTED),  # items' own column names: unambiguous in that join
        forced=forced,
        periods=_values(
            ctx.periods,
            ("integer", "date", "date", "numeric"),
            "NULL::integer, NULL::date, NULL::date, NULL::numeric",
        ),
        tiers=_values(
            ctx.tiers,
            ("integer", "numeric", "numeric"),
            "NULL::integer, NULL::numeric, NULL::numeric",
        ),
        today=ctx.today,
        company=ctx.company.id,
        table=SQL.identifier(BATCH_TABLE),
    )


def insert_communications(ctx, run_id, uid, ready=False):
    """One communication per debtor of the batch table, in preview or (``ready``)
    to send through its level's channels; returns (id, debtor id) rows."""
    return SQL(
        """
        INSERT INTO credit_dunning_communication
               (run_id, company_id, partner_id, policy_id, level_id, currency_id, state,
                channel_email, channel_letter, channel_phone, channel_sms,
                date, listed_total, credit_total, fee_total, interest_total,
                compensation_total, create_uid, create_date, write_uid, write_date)
        SELECT %(run)s, %(company)s, d.debtor_id, d.policy_id, d.level_id,
               company.currency_id, %(state)s,
               %(ready)s AND level.channel_email, %(ready)s AND level.channel_letter,
               %(ready)s AND level.channel_phone, %(ready)s AND level.channel_sms,
               %(today)s, d.listed_total, d.credits, d.fee, d.interest, d.compensation,
               %(uid)s, now() at time zone 'UTC', %(uid)s, now() at time zone 'UTC'
          FROM (SELECT debtor_id, MAX(listed_total) AS listed_total, MAX(credits) AS credits,
                       SUM(fee) AS fee, SUM(interest) AS interest,
                       SUM(compensation) AS compensation,
                       (array_agg(policy_id ORDER BY new_rank DESC NULLS LAST, cur_rank DESC)
                           FILTER (WHERE kind = 'item'))[1] AS policy_id,
                       (array_agg(COALESCE(new_level_id, cur_level_id)
                                  ORDER BY new_rank DESC NULLS LAST, cur_rank DESC)
                           FILTER (WHERE kind = 'item'))[1] AS level_id
                  FROM %(table)s GROUP BY debtor_id) d
          JOIN res_company company ON company.id = %(company)s
          JOIN credit_dunning_level level ON level.id = d.level_id
        RETURNING id, partner_id
        """,
        state="to_send" if ready else "draft",
        ready=bool(ready),
        run=run_id,
        company=ctx.company.id,
        today=ctx.today,
        uid=uid,
        table=SQL.identifier(BATCH_TABLE),
    )


def insert_lines(communication_ids, ready=False):
    """The lines of the new communications, from the batch table. Only the
    lines of communications ``ready`` to send raise a level (``new_level``,
    which holds the unique index): a preview's lines reserve nothing."""
    return SQL(
        """
        INSERT INTO credit_dunning_line
               (communication_id, move_line_id, move_id, kind, level_id, previous_level_id,
                new_level, date_maturity, days_late, amount_residual,
                amount_residual_currency, currency_id, fee, interest, compensation)
        SELECT comm.id, p.item_id, p.move_id, p.kind,
               COALESCE(p.new_level_id, p.cur_level_id), p.cur_level_id,
               %(ready)s AND p.new_level_id IS NOT NULL, p.maturity, p.days_late, p.residual,
               p.residual_currency, p.currency_id, p.fee, p.interest, p.compensation
          FROM %(table)s p
          JOIN credit_dunning_communication comm ON comm.partner_id = p.debtor_id
         WHERE comm.id = ANY(%(comms)s)
        """,
        comms=list(communication_ids),
        ready=bool(ready),
        table=SQL.identifier(BATCH_TABLE),
    )


def apply_levels(communication_ids, today):
    """Gives the journal items the levels of the lines of
    ``communication_ids``, which went out: the last reminder is the day it
    went out (``today``), or its run's day when that is later (simulated
    runs)."""
    return SQL(
        """
        INSERT INTO credit_dunning_item (move_line_id, level_id, date)
        SELECT line.move_line_id, line.level_id, GREATEST(comm.date, %(today)s)
          FROM credit_dunning_line line
          JOIN credit_dunning_communication comm ON comm.id = line.communication_id
         WHERE line.communication_id = ANY(%(comms)s) AND line.new_level
        ON CONFLICT (move_line_id) DO UPDATE
           SET level_id = EXCLUDED.level_id, date = EXCLUDED.date
        """,
        comms=list(communication_ids),
        today=today,
    )


def mark_to_send(communication_ids):
    """Draft communications become ready to send through their level's
    channels, and their lines that reach a new level reserve it (one
    statement each, not one write per communication)."""
    return SQL(
        """
        WITH ready AS (
            UPDATE credit_dunning_communication comm
               SET state = 'to_send', channel_email = level.channel_email,
                   channel_letter = level.channel_letter, channel_phone = level.channel_phone,
                   channel_sms = level.channel_sms
              FROM credit_dunning_level level
             WHERE level.id = comm.level_id AND comm.id = ANY(%(comms)s) AND comm.state = 'draft'
            RETURNING comm.id
        )
        UPDATE credit_dunning_line line SET new_level = TRUE
          FROM ready
         WHERE line.communication_id = ready.id AND line.kind = 'item'
           AND line.level_id IS DISTINCT FROM line.previous_level_id
        """,
        comms=list(communication_ids),
    )


def release_levels(communication_ids):
    """The lines of blocked or failed communications give their levels back:
    the items stay where they were and the next run may raise them again."""
    return SQL(
        """
        UPDATE credit_dunning_line SET new_level = FALSE
         WHERE communication_id = ANY(%s) AND new_level
        """,
        list(communication_ids),
    )


def pending_items(company):
    """Items whose reminder waits to go out (to send or postponed): no other
    reminder raises them meanwhile."""
    return SQL(
        """
        SELECT line.move_line_id FROM credit_dunning_communication comm
          JOIN credit_dunning_line line ON line.communication_id = comm.id
         WHERE comm.state IN ('to_send', 'postponed') AND comm.company_id = %s
           AND line.new_level
        """,
        company.id,
    )
