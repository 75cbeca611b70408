"""Risk classes A-E and the standard dunning policy became data: the records
that the demo data (or the users) created already take the data's XML ids,
so that the update creates no second class or policy of the same name.
Dunning lines of reminders that never went out give their levels back."""

CODES = "abcde"


def _rename(cr, old, new):
    cr.execute(
        """UPDATE ir_model_data SET name = %s, noupdate = TRUE
            WHERE module = 'credit_management' AND name = %s
              AND NOT EXISTS (SELECT 1 FROM ir_model_data
                               WHERE module = 'credit_management' AND name = %s)""",
        [new, old, new],
    )


def migrate(cr, version):
    if not version:
        return
    # Lines raise a level only for reminders ready to send or sent now: the
    # lines of previews, blocked and failed reminders reserve none.
    cr.execute(
        """UPDATE credit_dunning_line line SET new_level = FALSE
             FROM credit_dunning_communication comm
            WHERE comm.id = line.communication_id AND line.new_level
              AND comm.state IN ('draft', 'blocked', 'failed')"""
    )
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
