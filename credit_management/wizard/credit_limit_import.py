import base64

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..engine import spreadsheet

# Accepted column names (lowercase) for each value of a row.
COLUMNS = {
    "vat": ("vat", "tax id", "vat number"),
    "company_registry": ("company_registry", "company registry", "registry", "siren", "crn"),
    "ref": ("ref", "reference", "customer reference"),
    "credit_limit": ("credit_limit", "credit limit", "limit"),
    "currency": ("currency", "currency code"),
    "risk_class": ("risk_class", "risk class", "class"),
    "external_rating": ("external_rating", "external rating", "rating"),
    "rating_agency": ("rating_agency", "rating agency", "agency"),
}
KEYS = ("vat", "company_registry", "ref")


class CreditLimitImport(models.TransientModel):
    _name = "credit.limit.import"
    _description = "Import Credit Limits"

    file = fields.Binary(string="File", required=True)
    filename = fields.Char()
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    decimal_separator = fields.Selection(
        selection=spreadsheet.NUMBER_FORMATS,
        string="Numbers Written As",
        required=True,
        default=lambda self: self._default_decimal_separator(),
        help="How amounts typed as text in the file are read; numeric cells of a workbook "
        "need no format. A value that does not fit this format is a row error.",
    )
    state = fields.Selection(
        selection=[("upload", "Upload"), ("preview", "Preview")], default="upload", required=True
    )
    line_ids = fields.One2many("credit.limit.import.line", "import_id", readonly=True)
    error_count = fields.Integer(compute="_compute_counts")
    valid_count = fields.Integer(compute="_compute_counts")

    @api.model
    def _default_decimal_separator(self):
        # The user's language decides, as it does for numbers typed in Odoo.
        lang = self.env["res.lang"]._lang_get(self.env.user.lang or "en_US")
        return "," if lang and lang.decimal_point == "," else "."

    @api.depends("line_ids.error")
    def _compute_counts(self):
        for wizard in self:
            wizard.error_count = len(wizard.line_ids.filtered("error"))
            wizard.valid_count = len(wizard.line_ids) - wizard.error_count

    def _check_manager(self):
        if not self.env.user.has_group("credit_management.group_credit_control_manager"):
            raise AccessError(self.env._("Only a Credit Control Manager can import credit limits."))
        # The company is readonly in the form only: the import writes as
        # superuser, so it must be one the user works in.
        if self.company_id not in self.env.companies:
            raise AccessError(
                self.env._(
                    "You cannot import credit limits into %s: it is not one of your companies.",
                    self.company_id.name,
                )
            )

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
                    "The file needs a column to find partners by: vat, company_registry or ref."
                )
            )
        if not found & {"credit_limit", "risk_class", "external_rating"}:
            raise UserError(
                self.env._("The file needs a credit_limit, risk_class or external_rating column.")
            )
        return rows

    def _partner_index(self, rows):
        """{(key, normalized value): [partner ids]} for the values in the file,
        one query for the whole file."""
        wanted = {
            key: sorted({spreadsheet.normalize_key(r[key]) for _n, r in rows if r[key]})
            for key in KEYS
        }
        self.env["res.partner"].flush_model(["vat", "company_registry", "ref", "company_id"])
        rows_found = self.env.execute_query(
            SQL(
                """
                SELECT p.id,
                       upper(regexp_replace(COALESCE(p.vat, ''), '[^0-9A-Za-z]', '', 'g')),
                       upper(regexp_replace(COALESCE(p.company_registry, ''), '[^0-9A-Za-z]', '',
                                            'g')),
                       upper(regexp_replace(COALESCE(p.ref, ''), '[^0-9A-Za-z]', '', 'g'))
                  FROM res_partner p
                 WHERE p.active AND p.id = p.commercial_partner_id
                   AND (p.company_id IS NULL OR p.company_id = %(company)s)
                   AND (upper(regexp_replace(COALESCE(p.vat, ''), '[^0-9A-Za-z]', '', 'g'))
                            = ANY(%(vat)s)
                        OR upper(regexp_replace(COALESCE(p.company_registry, ''), '[^0-9A-Za-z]',
                                                '', 'g')) = ANY(%(company_registry)s)
                        OR upper(regexp_replace(COALESCE(p.ref, ''), '[^0-9A-Za-z]', '', 'g'))
                            = ANY(%(ref)s))
                """,
                company=self.company_id.id,
                **wanted,
            )
        )
        index = {}
        for partner_id, *keys in rows_found:
            for key, value in zip(KEYS, keys, strict=True):
                if value:
                    index.setdefault((key, value), []).append(partner_id)
        return index

    def _check_row(self, values, index, classes, seen):
        """Returns (line values, error message or '')."""
        line = {}
        for check in (self._check_partner, self._check_limit, self._check_class_and_rating):
            error = check(values, line, index=index, classes=classes, seen=seen)
            if error:
                return line, error
        if not (line.get("set_limit") or line.get("risk_class_id") or line.get("set_rating")):
            return line, self.env._("Nothing to import on this row.")
        return line, ""

    def _check_partner(self, values, line, index, seen, **_kw):
        env = self.env
        key = next((key for key in KEYS if values[key]), None)
        if not key:
            return env._("No vat, company_registry or ref to find the partner by.")
        line["key"] = f"{key}: {values[key]}"
        partner_ids = index.get((key, spreadsheet.normalize_key(values[key])), [])
        if not partner_ids:
            return env._("No partner found with %s.", line["key"])
        if len(partner_ids) > 1:
            names = ", ".join(env["res.partner"].browse(partner_ids).mapped("display_name"))
            return env._(
                "%(key)s matches several partners: %(names)s.", key=line["key"], names=names
            )
        line["partner_id"] = partner_ids[0]
        if partner_ids[0] in seen:
            return env._("The partner already appears on row %s.", seen[partner_ids[0]])
        return ""

    def _parse(self, text):
        """A number of the file in the wizard's format; None when empty."""
        return spreadsheet.parse_number(text, self.decimal_separator)

    def _number_error(self, label, text):
        number_format = dict(spreadsheet.NUMBER_FORMATS)[self.decimal_separator]
        return self.env._(
            "%(label)s %(value)s is not a number written as %(format)s (nor under 10^15).",
            label=label,
            value=text,
            format=number_format,
        )

    def _check_limit(self, values, line, **_kw):
        env = self.env
        if values["credit_limit"]:
            line["amount_text"] = values["credit_limit"]
        try:
            limit = self._parse(values["credit_limit"])
        except spreadsheet.BadNumber:
            return self._number_error(env._("Credit limit"), values["credit_limit"])
        if limit is None:
            return ""
        if limit < 0:
            return env._("Credit limit %s is negative.", values["credit_limit"])
        company_currency = self.company_id.currency_id
        currency = company_currency
        if values["currency"]:
            currency = (
                env["res.currency"]
                .with_context(active_test=False)
                .search([("name", "=", values["currency"].upper())], limit=1)
            )
            if not currency:
                return env._("Unknown currency %s.", values["currency"])
            if not currency.active:
                return env._("Currency %s is not active.", values["currency"])
        line.update(
            original_amount=limit,
            currency_id=currency.id,
            credit_limit=currency._convert(
                limit, company_currency, self.company_id, fields.Date.context_today(self)
            ),
            set_limit=True,
        )
        return ""

    def _check_class_and_rating(self, values, line, classes, **_kw):
        env = self.env
        if values["risk_class"]:
            risk_class = classes.get(values["risk_class"].upper())
            if not risk_class:
                return env._("Unknown risk class %s.", values["risk_class"])
            line["risk_class_id"] = risk_class.id
        if values["external_rating"]:
            try:
                rating = self._parse(values["external_rating"])
            except spreadsheet.BadNumber:
                return self._number_error(env._("External rating"), values["external_rating"])
            if not 0 <= rating <= 100:
                return env._(
                    "External rating %s is not between 0 and 100.", values["external_rating"]
                )
            line.update(
                external_rating=rating, set_rating=True, rating_agency=values["rating_agency"]
            )
        return ""

    def action_preview(self):
        """Reads the file and shows each row with its partner or its error."""
        self.ensure_one()
        self._check_manager()
        rows = self._read()
        index = self._partner_index(rows)
        classes = {
            c.code.upper(): c
            for c in self.env["credit.risk.class"].search(
                [("company_id", "in", (False, self.company_id.id))]
            )
        }
        seen = {}
        lines = []
        for number, values in rows:
            line, error = self._check_row(values, index, classes, seen)
            if line.get("partner_id") and not error:
                seen[line["partner_id"]] = number
            lines.append(fields.Command.create({**line, "row": number, "error": error}))
        self.line_ids = [fields.Command.clear(), *lines]
        self.state = "preview"
        return self._reopen()

    def action_import(self):
        """Writes every row, or nothing when any row has an error."""
        self.ensure_one()
        self._check_manager()
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
        for line in self.line_ids:
            line._apply(self.filename)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%s partner(s) updated.", len(self.line_ids)),
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
            "name": self.env._("Import Credit Limits"),
        }


class CreditLimitImportLine(models.TransientModel):
    _name = "credit.limit.import.line"
    _description = "Import Credit Limits: Row"
    _order = "row"

    import_id = fields.Many2one("credit.limit.import", required=True, ondelete="cascade")
    row = fields.Integer()
    key = fields.Char(string="Matched By")
    partner_id = fields.Many2one("res.partner")
    set_limit = fields.Boolean()
    amount_text = fields.Char(string="As Written")
    original_amount = fields.Float(string="Amount Read")
    currency_id = fields.Many2one("res.currency", string="File Currency")
    credit_limit = fields.Float(string="Credit Limit")
    risk_class_id = fields.Many2one("credit.risk.class")
    set_rating = fields.Boolean()
    external_rating = fields.Float()
    rating_agency = fields.Char()
    error = fields.Char()

    def _apply(self, filename):
        company = self.import_id.company_id
        vals = {}
        if self.set_limit:
            vals["credit_limit"] = self.credit_limit
        if self.risk_class_id:
            vals["credit_risk_class_id"] = self.risk_class_id.id
        if self.set_rating:
            vals.update(
                credit_external_rating=self.external_rating,
                credit_external_rating_agency=self.rating_agency or False,
                credit_external_rating_date=fields.Date.context_today(self),
            )
        # The manager's import is the authority, not contact editing rights.
        partner = self.partner_id.sudo().with_company(company)
        partner.write(vals)
        partner.message_post(
            body=self.env._("Credit data imported from %s.", filename or "a file"),
            author_id=self.env.user.partner_id.id,
        )
