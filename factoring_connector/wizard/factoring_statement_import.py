import base64
import hashlib
import re

from odoo import fields, models
from odoo.addons.credit_management.engine import privilege, spreadsheet
from odoo.exceptions import AccessError, UserError

from ..engine.statement import DOCUMENT_KINDS
from ..models.factoring_contract import SENDERS
from ..models.factoring_statement import STATEMENT_ACTION

# Accepted column names (lowercase) for each value of a row; see readme/USAGE.md.
COLUMNS = {
    "date": ("date", "value date", "operation date"),
    "kind": ("kind", "type", "operation", "movement"),
    "document": ("document", "document number", "invoice", "invoice number", "number"),
    "amount": ("amount", "value"),
    "debtor": ("debtor", "debtor name", "customer"),
    "factor_ref": ("factor_ref", "factor ref", "factor reference", "batch reference"),
    "currency": ("currency", "currency code"),
    "label": ("label", "description", "text", "details"),
    "client_code": ("client_code", "client code", "contract", "contract number"),
}
REQUIRED = ("date", "kind", "amount", "document")
# What the factor writes in the kind column (letters only, lowercase) -> line kind.
KIND_WORDS = {
    "payment": ("payment", "debtorpayment", "pay", "paid", "collection", "encaissement"),
    "fee": ("fee", "fees", "feeorinterest", "interest", "commission", "charge", "charges"),
    "advance": ("advance", "advancepaid", "funding", "financement"),
    "reserve": ("reserve", "reservereleased", "release", "guaranteefund"),
    "recourse": ("recourse", "chargeback", "buyback", "recoursechargeback"),
    "other": ("other", "adjustment"),
}
KIND_BY_WORD = {word: kind for kind, words in KIND_WORDS.items() for word in words}
MAX_ERRORS = 20


def _letters(text):
    return re.sub(r"[^a-z]", "", (text or "").lower())


class FactoringStatementImport(models.TransientModel):
    _name = "factoring.statement.import"
    _description = "Import a Factor Statement"

    contract_id = fields.Many2one(
        "factoring.contract", required=True, domain="[('company_id', 'in', allowed_company_ids)]"
    )
    file = fields.Binary(required=True)
    filename = fields.Char()
    reference = fields.Char(help="The factor's statement number; the file name when empty.")
    date = fields.Date(
        help="Accounting date of the reconciliation; the latest date of the file when empty."
    )
    decimal_separator = fields.Selection(
        selection=spreadsheet.NUMBER_FORMATS,
        string="Numbers Written As",
        required=True,
        default=lambda self: self._default_decimal_separator(),
        help="How amounts typed as text in the file are read; numeric cells of a workbook "
        "need no format.",
    )

    def _default_decimal_separator(self):
        lang = self.env["res.lang"]._lang_get(self.env.user.lang or "en_US")
        return "," if lang and lang.decimal_point == "," else "."

    def _check_importer(self):
        if not (self.env.su or any(self.env.user.has_group(group) for group in SENDERS)):
            raise AccessError(
                self.env._(
                    "Only accounting managers and credit control managers import factor statements."
                )
            )
        # The record rules decide which contracts the user works with.
        contract = self.contract_id
        if not self.env["factoring.contract"].search_count([("id", "=", contract.id)]):
            raise UserError(
                self.env._(
                    "The contract is not one of the companies you work in: select its company "
                    "first."
                )
            )
        contract.check_access("write")

    # ------------------------------------------------------------------
    # Reading and checking
    # ------------------------------------------------------------------

    def _content(self):
        content = base64.b64decode(self.file or b"")
        checksum = hashlib.sha256(content).hexdigest()
        existing = self.env["factoring.statement"].search(
            [("company_id", "=", self.contract_id.company_id.id), ("checksum", "=", checksum)],
            limit=1,
        )
        if existing:
            raise UserError(
                self.env._(
                    "This file was already imported as statement %(statement)s of %(date)s.",
                    statement=existing.reference,
                    date=existing.date,
                )
            )
        return content, checksum

    def _read(self, content):
        try:
            found, rows = spreadsheet.read_records(content, self.filename, COLUMNS)
        except spreadsheet.UnreadableFile as error:
            raise UserError(
                self.env._("Cannot read %(file)s: %(reason)s.", file=self.filename, reason=error)
            ) from error
        missing = [key for key in REQUIRED if key not in found]
        if missing:
            raise UserError(
                self.env._(
                    "The file %(file)s lacks the column(s) %(missing)s; a factor statement has "
                    "the columns date, kind, document and amount (and optionally debtor, "
                    "factor_ref, currency, label, client_code).",
                    file=self.filename,
                    missing=", ".join(missing),
                )
            )
        if not rows:
            raise UserError(self.env._("The file %s has no line.", self.filename))
        return rows

    def _parse_row(self, values):
        """Returns (line values, error message or '')."""
        line = {
            "document_number": values["document"] or False,
            "factor_ref": values["factor_ref"] or False,
            "debtor_name": values["debtor"] or False,
            "label": values["label"] or False,
        }
        for check in (self._check_contract, self._check_date, self._check_kind, self._check_amount):
            error = check(values, line)
            if error:
                return line, error
        return line, ""

    def _check_contract(self, values, line):
        contract = self.contract_id
        codes = {spreadsheet.normalize_key(c) for c in (contract.client_code, contract.reference)}
        if values["client_code"] and spreadsheet.normalize_key(values["client_code"]) not in codes:
            return self.env._(
                "The line is for client code or contract %(code)s, not for contract %(contract)s.",
                code=values["client_code"],
                contract=contract.name,
            )
        if values["currency"] and values["currency"].upper() != contract.currency_id.name:
            return self.env._(
                "Currency %(currency)s is not the contract's (%(contract_currency)s).",
                currency=values["currency"],
                contract_currency=contract.currency_id.name,
            )
        return ""

    def _check_date(self, values, line):
        try:
            line["date"] = spreadsheet.parse_date(values["date"])
        except ValueError:
            return self.env._(
                "%s is not a date (write it YYYY-MM-DD or DD/MM/YYYY).", str(values["date"])
            )
        return "" if line["date"] else self.env._("No date.")

    def _check_kind(self, values, line):
        line["kind"] = KIND_BY_WORD.get(_letters(values["kind"]))
        if not line["kind"]:
            return self.env._(
                "Unknown kind %s (payment, fee, interest, advance, reserve, recourse or other).",
                values["kind"] or '""',
            )
        if line["kind"] in DOCUMENT_KINDS and not values["document"]:
            return self.env._("A debtor payment or a recourse names its document.")
        return ""

    def _check_amount(self, values, line):
        try:
            amount = spreadsheet.parse_number(values["amount"], self.decimal_separator)
        except spreadsheet.BadNumber:
            return self.env._(
                "Amount %(value)s is not a number written as %(format)s (nor under 10^15).",
                value=values["amount"],
                format=dict(spreadsheet.NUMBER_FORMATS)[self.decimal_separator],
            )
        if amount is None:
            return self.env._("No amount.")
        line["amount"] = self.contract_id.currency_id.round(amount)
        return ""

    def _parse(self, rows):
        lines, errors = [], []
        for number, values in rows:
            line, error = self._parse_row(values)
            if error:
                errors.append(self.env._("Row %(row)s: %(error)s", row=number, error=error))
            else:
                lines.append({**line, "sequence": number})
        if errors:
            raise UserError(
                self.env._(
                    "Nothing was imported: %(count)s row(s) of %(file)s have errors.\n%(errors)s",
                    count=len(errors),
                    file=self.filename,
                    errors="\n".join(errors[:MAX_ERRORS]),
                )
            )
        return lines

    # ------------------------------------------------------------------
    # Action
    # ------------------------------------------------------------------

    def action_import(self):
        """Reads the whole file, refuses it with every reason when a row is
        wrong, else creates the statement and matches it."""
        self.ensure_one()
        self._check_importer()
        content, checksum = self._content()
        lines = self._parse(self._read(content))
        dates = [line["date"] for line in lines]
        with privilege.granted(STATEMENT_ACTION):
            statement = self.env["factoring.statement"].create(
                {
                    "contract_id": self.contract_id.id,
                    "reference": self.reference
                    or (self.filename or "").rsplit(".", 1)[0]
                    or self.env._("Statement"),
                    "date": self.date or max(dates),
                    "period_start": min(dates),
                    "period_end": max(dates),
                    "file": self.file,
                    "filename": self.filename,
                    "checksum": checksum,
                    "line_ids": [fields.Command.create(line) for line in lines],
                }
            )
        statement._match()
        return {
            "type": "ir.actions.act_window",
            "res_model": "factoring.statement",
            "res_id": statement.id,
            "view_mode": "form",
            "target": "current",
        }
