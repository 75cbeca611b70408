import io
from datetime import datetime, time

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import receivables
from ..models.credit_aged_receivable import BUCKET_FIELDS
from ..models.credit_collection_stage import CLOSED_TYPES


class CreditAgedReceivableWizard(models.TransientModel):
    """Aged receivables as of a date: what each customer owed on that date,
    by age, rebuilt from the journal (see :mod:`..engine.receivables`)."""

    _name = "credit.aged.receivable.wizard"
    _description = "Aged Receivables"

    date = fields.Date(
        string="As of",
        required=True,
        default=fields.Date.context_today,
        help="Items and reconciliations dated after this day are ignored.",
    )
    basis = fields.Selection(
        receivables.BASES,
        string="Aging Based On",
        required=True,
        default="due",
        help="Due Date: an item is not due until its due date, then ages from it. "
        "Invoice Date: an item ages from its invoice date (an entry without invoice date "
        "from its accounting date).",
    )
    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.companies,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Customers", help="Their commercial partners' items."
    )
    collector_ids = fields.Many2many(
        "res.users",
        "credit_aged_receivable_wizard_collector_rel",
        string="Collectors",
        help="Customers whose open collection case is assigned to one of them.",
    )
    risk_class_ids = fields.Many2many("credit.risk.class", string="Risk Classes")
    salesperson_ids = fields.Many2many(
        "res.users",
        "credit_aged_receivable_wizard_salesperson_rel",
        string="Salespersons",
        help="Customers whose salesperson is one of them.",
    )
    line_ids = fields.One2many("credit.aged.receivable", "wizard_id", string="Report Rows")

    # Actions

    def action_open(self):
        """Computes the report and opens it, one row per customer."""
        self.ensure_one()
        self._compute_lines()
        labels = self._bucket_labels()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Aged Receivables on %(date)s", date=self.date),
            "res_model": "credit.aged.receivable",
            "view_mode": "list,pivot",
            "views": [(False, "list"), (False, "pivot")],
            "domain": [("wizard_id", "=", self.id)],
            "context": {
                "credit_aging_labels": labels,
                "credit_aging_columns": len(labels),
            },
        }

    def action_print_pdf(self):
        self.ensure_one()
        self._compute_lines()
        return self.env.ref("credit_management.credit_aged_receivable_report_action").report_action(
            self
        )

    def action_export_xlsx(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/credit_management/aged_receivables/{self.id}/xlsx",
            "target": "self",
        }

    # Computation

    def _report_env(self):
        """The user's environment over the report's companies; refuses a
        company the user may not open."""
        self.ensure_one()
        env = self.with_context(allowed_company_ids=self.company_ids.ids).env
        # Reading env.companies checks the companies against the user's.
        env.companies  # noqa: B018  # pylint: disable=pointless-statement
        return env

    def _asof(self, partner_ids=None):
        """The engine's query parameters, as the user: the companies they may
        open (``env.companies`` refuses others) and the record rules of
        journal items they are subject to."""
        env = self._report_env()
        allowed = receivables.rule_condition(env["account.move.line"])
        if partner_ids is None:
            partner_ids = self.partner_ids.commercial_partner_id.ids
        return receivables.as_of(env.companies, self.date, partner_ids, allowed, self.basis)

    def _filters(self):
        """SQL condition on the engine's item rows ``i`` for the collector,
        risk class and salesperson filters."""
        conditions = []
        if self.risk_class_ids:
            conditions.append(
                SQL(
                    "EXISTS (SELECT 1 FROM res_partner rp WHERE rp.id = i.partner_id "
                    "AND (rp.credit_risk_class_id ->> i.company_id::text)::integer = ANY(%s))",
                    self.risk_class_ids.ids,
                )
            )
        if self.salesperson_ids:
            conditions.append(
                SQL(
                    "EXISTS (SELECT 1 FROM res_partner rp WHERE rp.id = i.partner_id "
                    "AND rp.user_id = ANY(%s))",
                    self.salesperson_ids.ids,
                )
            )
        if self.collector_ids:
            # Through the ORM as the user: the collector rules of cases apply.
            pairs = self._report_env()["credit.collection.case"]._read_group(
                [
                    ("user_id", "in", self.collector_ids.ids),
                    ("stage_type", "not in", CLOSED_TYPES),
                    ("company_id", "in", self.company_ids.ids),
                ],
                ["company_id", "partner_id"],
            )
            conditions.append(
                SQL(
                    "(i.company_id, i.partner_id) IN "
                    "(SELECT * FROM unnest(%s::integer[], %s::integer[]))",
                    [company.id for company, _partner in pairs],
                    [partner.id for _company, partner in pairs],
                )
            )
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    def _bounds(self):
        return self.company_ids._credit_aging_bounds()

    def _bucket_labels(self):
        """Titles of the bucket columns: the companies' own bounds when they
        share them, else numbered periods."""
        bounds = set(self._bounds().values())
        not_due = self.env._("Not Due") if self.basis == "due" else self.env._("Current")
        if len(bounds) == 1:
            return receivables.bucket_labels(bounds.pop(), not_due, self.env._("> %s"))
        size = max(len(b) for b in bounds) + 1 if bounds else 5
        return [not_due] + [self.env._("Period %s", n) for n in range(1, size)]

    def _compute_lines(self):
        """Writes one row per company and customer in SQL (no ORM record
        per item: a report may cover hundreds of thousands)."""
        self.ensure_one()
        self.env["credit.aged.receivable"].check_access("create")
        self.line_ids.check_access("unlink")
        self.env.flush_all()
        # The rows of an earlier run (their items go with them: ON DELETE CASCADE).
        self.env.cr.execute(SQL("DELETE FROM credit_aged_receivable WHERE wizard_id = %s", self.id))
        self.env.invalidate_all()
        asof = self._asof()
        columns = SQL(", ").join(SQL.identifier(name) for name in BUCKET_FIELDS)
        values = SQL(", ").join(SQL(f"a.b{n}") for n in range(len(BUCKET_FIELDS)))
        with receivables.planner_settings(self.env.cr):
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO credit_aged_receivable
                           (wizard_id, company_id, partner_id, total, item_count, %(columns)s,
                            create_uid, create_date, write_uid, write_date)
                    SELECT %(wizard)s, a.company_id, a.partner_id, a.total, a.items, %(values)s,
                           %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                      FROM (%(aged)s) a
                    """,
                    columns=columns,
                    values=values,
                    wizard=self.id,
                    uid=self.env.uid,
                    aged=receivables.aged_query(asof, self._bounds(), self._filters()),
                )
            )
        self.invalidate_recordset(["line_ids"])

    def _item_query(self, line=None):
        """SQL of the items of the report (of one of its rows), with their
        bucket; restricted like the rows."""
        partner_ids = line.partner_id.ids if line and line.partner_id else None
        asof = self._asof(partner_ids)
        row = (
            SQL(
                "AND i.company_id = %s AND i.partner_id IS NOT DISTINCT FROM %s",
                line.company_id.id,
                line.partner_id.id or None,
            )
            if line
            else SQL()
        )
        return SQL(
            "SELECT i.*, %s AS bucket FROM (%s) i WHERE %s %s",
            receivables.bucket_case(self._bounds()),
            receivables.open_items_query(asof),
            self._filters(),
            row,
        )

    def _insert_items(self, line):
        self.env["credit.aged.receivable.item"].check_access("create")
        self.env.flush_all()
        with receivables.planner_settings(self.env.cr):
            self._execute_insert_items(line)
        line.invalidate_recordset(["item_ids"])

    def _execute_insert_items(self, line):
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO credit_aged_receivable_item
                       (line_id, company_id, partner_id, move_line_id, move_id, date,
                        date_maturity, invoice_date, days, bucket, currency_id,
                        residual_currency, residual,
                        create_uid, create_date, write_uid, write_date)
                SELECT %(line)s, i.company_id, i.partner_id, i.id, i.move_id, i.date,
                       i.date_maturity, i.invoice_date, i.days, i.bucket, i.currency_id,
                       i.residual_currency, i.residual,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM (%(items)s) i
                """,
                line=line.id,
                uid=self.env.uid,
                items=self._item_query(line),
            )
        )

    # Exports

    def _xlsx_content(self):
        """The report as an .xlsx file: a sheet of customers, one of items."""
        import xlsxwriter

        self.ensure_one()
        if not self.line_ids:
            self._compute_lines()
        labels = self._bucket_labels()
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet = book.add_worksheet(self.env._("Customers")[:31])
        header = [
            self.env._("Company"),
            self.env._("Customer"),
            self.env._("Currency"),
            *labels,
            self.env._("Total"),
        ]
        sheet.write_row(0, 0, header, bold)
        for row, line in enumerate(self.line_ids, start=1):
            sheet.write(row, 0, line.company_id.name)
            sheet.write(row, 1, line.partner_id.display_name or "")
            sheet.write(row, 2, line.currency_id.name)
            for col, name in enumerate(BUCKET_FIELDS[: len(labels)], start=3):
                sheet.write_number(row, col, line[name], money)
            sheet.write_number(row, 3 + len(labels), line.total, money)
        items = book.add_worksheet(self.env._("Items")[:31])
        items.write_row(
            0,
            0,
            [
                self.env._("Company"),
                self.env._("Customer"),
                self.env._("Entry"),
                self.env._("Date"),
                self.env._("Invoice Date"),
                self.env._("Due Date"),
                self.env._("Age (Days)"),
                self.env._("Bucket"),
                self.env._("Currency"),
                self.env._("Open in Currency"),
                self.env._("Open (Company Currency)"),
            ],
            bold,
        )
        self._write_item_rows(items, labels, {"money": money, "day": day})
        book.close()
        return output.getvalue()

    def _write_item_rows(self, sheet, labels, formats):
        with receivables.planner_settings(self.env.cr):
            rows = self._item_rows()
        for row, values in enumerate(rows, start=1):
            self._write_item_row(sheet, row, values, labels, formats)

    def _item_rows(self):
        return self.env.execute_query(
            SQL(
                """
                SELECT c.name, p.complete_name, m.name, i.date, i.invoice_date,
                       i.date_maturity, i.days, i.bucket, cur.name, i.residual_currency,
                       i.residual
                  FROM (%s) i
                  JOIN res_company c ON c.id = i.company_id
                  JOIN account_move m ON m.id = i.move_id
                  JOIN res_currency cur ON cur.id = i.currency_id
                  LEFT JOIN res_partner p ON p.id = i.partner_id
                 ORDER BY c.name, p.complete_name, i.date_maturity, i.id
                """,
                self._item_query(),
            )
        )

    def _write_item_row(self, sheet, row, values, labels, formats):
        company, partner, entry, date, invoice_date, due, days, bucket, currency = values[:9]
        sheet.write_row(row, 0, [company, partner or "", entry])
        for col, value in ((3, date), (4, invoice_date), (5, due)):
            if value:
                sheet.write_datetime(row, col, datetime.combine(value, time.min), formats["day"])
        sheet.write_number(row, 6, days)
        sheet.write(row, 7, labels[bucket] if bucket < len(labels) else "")
        sheet.write(row, 8, currency)
        sheet.write_number(row, 9, float(values[9]), formats["money"])
        sheet.write_number(row, 10, float(values[10]), formats["money"])

    @api.model
    def _xlsx_filename(self, wizard):
        return f"aged_receivables_{wizard.date}.xlsx"
