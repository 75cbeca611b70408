import base64
from datetime import timedelta

from odoo import api, fields, models
from odoo.addons.credit_management.engine import spreadsheet
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..models.factoring_contract import SENDERS

# Accepted column names (lowercase) for each value of a row.
COLUMNS = {
    "vat": ("vat", "tax id", "vat number"),
    "company_registry": ("company_registry", "company registry", "registry", "siren", "siret"),
    "ref": ("ref", "reference", "customer reference"),
    "amount": ("amount", "approved amount", "approval", "limit"),
    "currency": ("currency", "currency code"),
    "date_start": ("date_start", "from", "start date", "valid from"),
    "date_end": ("date_end", "until", "end date", "valid until"),
    "factor_ref": ("factor_ref", "factor ref", "factor reference", "approval number"),
}
KEYS = ("vat", "company_registry", "ref")


class FactoringApprovalImport(models.TransientModel):
    _name = "factoring.approval.import"
    _description = "Import Debtor Approvals"

    contract_id = fields.Many2one("factoring.contract", required=True)
    file = fields.Binary(required=True)
    filename = fields.Char()
    decimal_separator = fields.Selection(
        selection=spreadsheet.NUMBER_FORMATS,
        string="Numbers Written As",
        required=True,
        default=".",
        help="How amounts typed as text in the file are read; numeric cells of a workbook "
        "need no format.",
    )
    state = fields.Selection(
        selection=[("upload", "Upload"), ("preview", "Preview")], default="upload", required=True
    )
    line_ids = fields.One2many("factoring.approval.import.line", "import_id", readonly=True)
    error_count = fields.Integer(compute="_compute_counts")
    valid_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.error")
    def _compute_counts(self):
        for wizard in self:
            wizard.error_count = len(wizard.line_ids.filtered("error"))
            wizard.valid_count = len(wizard.line_ids) - wizard.error_count

    def _check_importer(self):
        if not any(self.env.user.has_group(group) for group in SENDERS):
            raise AccessError(
                self.env._("Only accounting managers and credit control managers import approvals.")
            )
        # The wizard writes as the user: the contract must be one the user may change.
        self.contract_id.check_access("write")

    # ------------------------------------------------------------------
    # Reading and checking
    # ------------------------------------------------------------------

    def _read(self):
        try:
            found, rows = spreadsheet.read_records(
                base64.b64decode(self.file or b""), self.filename, COLUMNS
            )
        except spreadsheet.UnreadableFile as error:
            raise UserError(
                self.env._("Cannot read %(file)s: %(reason)s.", file=self.filename, reason=error)
            ) from error
        if not found & set(KEYS):
            raise UserError(
                self.env._(
                    "The file needs a column to find customers by: vat, company_registry or ref."
                )
            )
        if "amount" not in found:
            raise UserError(self.env._("The file needs an amount column."))
        return rows

    def _partner_index(self, rows):
        """{(key, normalized value): [partner ids]} for the values of the
        file, in one query."""
        wanted = {
            key: sorted({spreadsheet.normalize_key(r[key]) for _n, r in rows if r[key]})
            for key in KEYS
        }
        self.env["res.partner"].flush_model(["vat", "company_registry", "ref", "company_id"])
        clean = "upper(regexp_replace(COALESCE(p.%s, ''), '[^0-9A-Za-z]', '', 'g'))"
        found = self.env.execute_query(
            SQL(
                """
                SELECT p.id, %(vat)s, %(registry)s, %(ref)s FROM res_partner p
                 WHERE p.active AND p.id = p.commercial_partner_id
                   AND (p.company_id IS NULL OR p.company_id = %(company)s)
                   AND (%(vat)s = ANY(%(vats)s) OR %(registry)s = ANY(%(registries)s)
                        OR %(ref)s = ANY(%(refs)s))
                """,
                vat=SQL(clean % "vat"),
                registry=SQL(clean % "company_registry"),
                ref=SQL(clean % "ref"),
                company=self.contract_id.company_id.id,
                vats=wanted["vat"],
                registries=wanted["company_registry"],
                refs=wanted["ref"],
            )
        )
        index = {}
        for partner_id, *keys in found:
            for key, value in zip(KEYS, keys, strict=True):
                if value:
                    index.setdefault((key, value), []).append(partner_id)
        return index

    def _check_row(self, values, index, seen):
        """Returns (line values, error message or '')."""
        line = {}
        for check in (self._check_partner, self._check_amount, self._check_dates):
            error = check(values, line, index=index, seen=seen)
            if error:
                return line, error
        return line, ""

    def _check_partner(self, values, line, index, seen):
        env = self.env
        key = next((key for key in KEYS if values[key]), None)
        if not key:
            return env._("No vat, company_registry or ref to find the customer by.")
        line["key"] = f"{key}: {values[key]}"
        partner_ids = index.get((key, spreadsheet.normalize_key(values[key])), [])
        if not partner_ids:
            return env._("No customer found with %s.", line["key"])
        if len(partner_ids) > 1:
            names = ", ".join(env["res.partner"].browse(partner_ids).mapped("display_name"))
            return env._(
                "%(key)s matches several customers: %(names)s.", key=line["key"], names=names
            )
        line["partner_id"] = partner_ids[0]
        if partner_ids[0] in seen:
            return env._("The customer already appears on row %s.", seen[partner_ids[0]])
        return ""

    def _check_amount(self, values, line, **_kw):
        env = self.env
        line["amount_text"] = values["amount"]
        try:
            amount = spreadsheet.parse_number(values["amount"], self.decimal_separator)
        except spreadsheet.BadNumber:
            return env._(
                "Amount %(value)s is not a number written as %(format)s (nor under 10^15).",
                value=values["amount"],
                format=dict(spreadsheet.NUMBER_FORMATS)[self.decimal_separator],
            )
        if amount is None:
            return env._("No amount.")
        if amount < 0:
            return env._("Amount %s is negative.", values["amount"])
        currency = self.contract_id.currency_id
        if values["currency"] and values["currency"].upper() != currency.name:
            return env._(
                "Currency %(currency)s is not the contract's (%(contract_currency)s).",
                currency=values["currency"],
                contract_currency=currency.name,
            )
        line["amount"] = amount
        return ""

    def _check_dates(self, values, line, **_kw):
        env = self.env
        parsed = {}
        for key in ("date_start", "date_end"):
            try:
                parsed[key] = spreadsheet.parse_date(values[key])
            except ValueError:
                return env._(
                    "%s is not a date (write it YYYY-MM-DD or DD/MM/YYYY).", str(values[key])
                )
        start = parsed["date_start"] or fields.Date.context_today(self)
        if parsed["date_end"] and parsed["date_end"] < start:
            return env._("The approval ends before it starts.")
        line.update(date_start=start, date_end=parsed["date_end"], factor_ref=values["factor_ref"])
        return ""

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_preview(self):
        """Reads the file and shows each row with its customer or its error."""
        self.ensure_one()
        self._check_importer()
        rows = self._read()
        index = self._partner_index(rows)
        seen = {}
        lines = []
        for number, values in rows:
            line, error = self._check_row(values, index, seen)
            if line.get("partner_id") and not error:
                seen[line["partner_id"]] = number
            lines.append(fields.Command.create({**line, "row": number, "error": error}))
        self.line_ids = [fields.Command.clear(), *lines]
        self.state = "preview"
        return self._reopen()

    def action_import(self):
        """Writes every row, or nothing when any row has an error."""
        self.ensure_one()
        self.action_preview()
        if not self.line_ids:
            raise UserError(self.env._("The file has no row to import."))
        if self.error_count:
            errors = "\n".join(
                self.env._("Row %(row)s: %(error)s", row=line.row, error=line.error)
                for line in self.line_ids.filtered("error")[:20]
            )
            raise UserError(
                self.env._(
                    "Nothing was imported: %(count)s row(s) have errors.\n%(errors)s",
                    count=self.error_count,
                    errors=errors,
                )
            )
        # One row refused by a constraint (an overlap) leaves nothing written.
        with self.env.cr.savepoint():
            for line in self.line_ids:
                line._apply()
        self.contract_id.message_post(
            body=self.env._(
                "%(count)s debtor approval(s) imported from %(file)s.",
                count=len(self.line_ids),
                file=self.filename or "",
            )
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%s approval(s) imported.", len(self.line_ids)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Import Debtor Approvals"),
        }


class FactoringApprovalImportLine(models.TransientModel):
    _name = "factoring.approval.import.line"
    _description = "Import Debtor Approvals: Row"
    _order = "row"

    import_id = fields.Many2one("factoring.approval.import", required=True, ondelete="cascade")
    row = fields.Integer()
    key = fields.Char(string="Matched By")
    partner_id = fields.Many2one("res.partner", string="Customer")
    amount_text = fields.Char(string="As Written")
    amount = fields.Float(string="Amount Read")
    date_start = fields.Date(string="From")
    date_end = fields.Date(string="Until")
    factor_ref = fields.Char(string="Factor's Reference")
    error = fields.Char()

    def _apply(self):
        """Creates the approval, or updates the one starting the same day; an
        open approval that started earlier ends the day before."""
        contract = self.import_id.contract_id
        Approval = self.env["factoring.debtor.approval"]
        existing = Approval.search(
            [("contract_id", "=", contract.id), ("partner_id", "=", self.partner_id.id)]
        )
        vals = {
            "amount": self.amount,
            "date_end": self.date_end,
            "factor_ref": self.factor_ref or False,
        }
        same_day = existing.filtered(lambda a: a.date_start == self.date_start)
        if same_day:
            same_day.write(vals)
            return
        replaced = existing.filtered(
            lambda a: (
                a.date_start < self.date_start and (not a.date_end or a.date_end >= self.date_start)
            )
        )
        replaced.write({"date_end": self.date_start - timedelta(days=1)})
        Approval.create(
            {
                **vals,
                "contract_id": contract.id,
                "partner_id": self.partner_id.id,
                "date_start": self.date_start,
            }
        )
