"""Risk classes A-E and the standard dunning policy became data: the records
that the demo data (or the users) created already take the data's XML ids,
so that the update creates no second class or policy of the same name.
Dunning lines of reminders that never went out give their levels back, and
the items keep the level of the last reminder sent to them only."""

CODES = "abcde"


def _rename(cr, old, new):
    cr.execute(
        """UPDATE ir_model_data SET name = %s, noupdate = TRUE
            WHERE module = 'credit_management' AND name = %s
              AND NOT EXISTS (SELECT 1 FROM ir_model_data
                               WHERE module = 'credit_management' AND name = %s)""",
        [new, old, new],
    )


def release_unsent_levels(cr):
    """Lines raise a level only for reminders ready to send or sent now: the
    lines of previews, blocked and failed reminders reserve none."""
    cr.execute(
        """UPDATE credit_dunning_line line SET new_level = FALSE
             FROM credit_dunning_communication comm
            WHERE comm.id = line.communication_id AND line.new_level
              AND comm.state IN ('draft', 'blocked', 'failed')"""
    )


def rebuild_dunning_items(cr):
    """The earlier code gave the items their levels when a reminder was
    marked to send, whether it went out or not. An item's level is now the
    one of the last reminder sent that raised it (reminders still waiting
    raise theirs when they go out); an item that no reminder sent raised
    has no level."""
    cr.execute(
        """CREATE TEMP TABLE credit_dunning_item_sent ON COMMIT DROP AS
           SELECT DISTINCT ON (line.move_line_id) line.move_line_id, line.level_id, comm.date
             FROM credit_dunning_line line
             JOIN credit_dunning_communication comm ON comm.id = line.communication_id
            WHERE line.new_level AND comm.state = 'sent' AND line.level_id IS NOT NULL
            ORDER BY line.move_line_id, comm.date DESC, comm.id DESC"""
    )
    cr.execute(
        """DELETE FROM credit_dunning_item item
            WHERE NOT EXISTS (SELECT 1 FROM credit_dunning_item_sent sent
                               WHERE sent.move_line_id = item.move_line_id)"""
    )
    cr.execute(
        """INSERT INTO credit_dunning_item (move_line_id, level_id, date)
           SELECT move_line_id, level_id, date FROM credit_dunning_item_sent
           ON CONFLICT (move_line_id) DO UPDATE
              SET level_id = EXCLUDED.level_id, date = EXCLUDED.date
            WHERE (credit_dunning_item.level_id, credit_dunning_item.date)
                  IS DISTINCT FROM (EXCLUDED.level_id, EXCLUDED.date)"""
    )
    cr.execute("DROP TABLE credit_dunning_item_sent")


def release_future_claims(cr):
    """Runs could be dated by their users: a claim dated after tomorrow (any
    time zone's today) is not a run of today and kept its customers out of
    every run until then."""
    cr.execute("DELETE FROM credit_dunning_claim WHERE date > CURRENT_DATE + 1")


def migrate(cr, version):
    if not version:
        return
    release_unsent_levels(cr)
    rebuild_dunning_items(cr)
    release_future_claims(cr)
    for code in CODES:
        _rename(cr, f"credit_risk_class_{code}_demo", f"credit_risk_class_{code}")
        # A shared class of that code made by hand stands for the data's one.
        cr.execute(
            """INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
               SELECT 'credit_management', %(name)s, 'credit.risk.class', MIN(id), TRUE
                 FROM credit_risk_class
                WHERE code = %(code)s AND company_id IS NULL
               HAVING COUNT(*) > 0
                  AND NOT EXISTS (SELECT 1 FROM ir_model_data
                                   WHERE module = 'credit_management' AND name = %(name)s)""",
            {"name": f"credit_risk_class_{code}", "code": code.upper()},
        )
    cr.execute(
        """SELECT res_id FROM ir_model_data
            WHERE module = 'base' AND name = 'main_company'"""
    )
    row = cr.fetchone()
    if row:
        company = row[0]
        _rename(
            cr,
            "credit_dunning_policy_standard_demo",
            f"{company}_credit_dunning_policy_standard",
        )
        for index in range(4):
            _rename(
                cr,
                f"credit_dunning_level_standard_{index}_demo",
                f"{company}_credit_dunning_level_standard_{index}",
            )
