import dataclasses

from odoo import fields, models
from odoo.addons.credit_management.engine import privilege, spreadsheet
from odoo.exceptions import AccessError, UserError

from ..adapters import file as file_transport
from ..engine import matching
from ..mappers import limit_list
from .credit_insurance_buyer import INSURER_BUYER_ID

# Column title fields of the backend, by the limit list's neutral keys.
COLUMN_FIELDS = {
    "buyer_ref": "file_col_buyer_ref",
    "legal_id": "file_col_legal_id",
    "country": "file_col_country",
    "policy": "file_col_policy",
    "decision": "file_col_decision",
    "amount": "file_col_amount",
    "currency": "file_col_currency",
    "effective_date": "file_col_effective_date",
    "expiry_date": "file_col_expiry_date",
    "conditions": "file_col_conditions",
    "reference": "file_col_reference",
}
# Buyers a list makes are noted once on the insurer's chatter (the list
# attached), not one creation note and one follower each.
BULK = {"mail_create_nolog": True, "mail_create_nosubscribe": True}
# Errors listed in the message of a refused list (all are in the log).
SHOWN_ERRORS = 30


class CreditInsuranceBackend(models.Model):
    """The file insurer's side of a backend: its limit lists in, its
    request files out."""

    _inherit = "credit.insurance.backend"

    # Reading limit lists
    file_delimiter = fields.Selection(
        selection=[(",", "Comma"), (";", "Semicolon"), ("\t", "Tab"), ("|", "Vertical Bar")],
        string="CSV Delimiter",
        help="Empty: detected from the file.",
    )
    file_encoding = fields.Selection(
        selection=[
            ("utf-8", "UTF-8"),
            ("latin-1", "Latin-1 (ISO-8859-1)"),
            ("cp1252", "Windows-1252"),
        ],
        string="CSV Encoding",
        help="Empty: UTF-8, else Windows-1252 (which reads Latin-1 text too).",
    )
    file_decimal = fields.Selection(
        selection=[(".", "1,234.56 (decimal point)"), (",", "1.234,56 (decimal comma)")],
        string="Amounts Written As",
        help="How amounts typed as text are read (numeric cells of a workbook need no format). "
        "Empty: the format every amount of the file fits; when both fit, a decimal comma for a "
        "file separated by semicolons, else a decimal point.",
    )
    file_day_first = fields.Boolean(
        string="Day Before Month",
        default=True,
        help="Dates written 31/12/2026 (else 12/31/2026); ISO dates and dates of a workbook are "
        "read as such.",
    )
    file_col_buyer_ref = fields.Char(string="Buyer ID Column", default="Buyer ID")
    file_col_legal_id = fields.Char(string="Legal ID Column", default="Legal ID")
    file_col_country = fields.Char(string="Country Column", default="Country")
    file_col_policy = fields.Char(string="Policy Column", default="Policy")
    file_col_decision = fields.Char(string="Decision Column", default="Decision")
    file_col_amount = fields.Char(string="Amount Column", default="Amount")
    file_col_currency = fields.Char(string="Currency Column", default="Currency")
    file_col_effective_date = fields.Char(string="Effective Date Column", default="Effective Date")
    file_col_expiry_date = fields.Char(string="Expiry Date Column", default="Expiry Date")
    file_col_conditions = fields.Char(string="Conditions Column", default="Conditions")
    file_col_reference = fields.Char(string="Decision ID Column", default="Decision ID")
    # Request files
    file_format = fields.Selection(
        selection=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV (.csv)")],
        string="Request File Format",
        default="xlsx",
        required=True,
    )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_file_exchange(self):
        """Managers of the backend's company exchange its files."""
        self.ensure_one()
        self._check_manager()
        self.check_access("write")
        if self.company_id not in self.env.companies:
            raise AccessError(self.env._("%s belongs to a company you do not work in.", self.name))
        if self.kind != "file":
            raise UserError(self.env._("%s answers through its API, not with files.", self.name))

    def action_import_limit_list(self):
        self.ensure_one()
        self._check_file_exchange()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import Limit List"),
            "res_model": "credit.insurance.limit.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }

    def action_export_requests(self):
        """The cover requests not sent yet, in a file to send to the
        insurer (kept on the insurer)."""
        attachment = self._export_requests(self.file_format)
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    # Limit lists in
    # ------------------------------------------------------------------

    def _import_limit_list(self, content, filename):
        """Reads the insurer's limit list and records its decisions on the
        covers, as an API's decisions are. All or nothing: any bad row
        refuses the whole list, with every bad row named. Rows whose buyer
        cannot be told go to the buyers to resolve with their decisions.
        Returns the counts: rows, new decisions, buyers to resolve."""
        self._check_file_exchange()
        rows, positions = self._limit_list_rows(content, filename)
        lookups = {
            "policies": self._limit_list_policies(positions),
            "countries": {
                country.code.upper(): country.id for country in self.env["res.country"].search([])
            },
            "currencies": {
                currency.name: currency.id
                for currency in self.env["res.currency"].with_context(active_test=False).search([])
            },
        }
        checked, errors = [], []
        decimal = self._limit_list_decimal(rows, positions, filename, content)
        seen = {}
        for number, cells in rows:
            values = {
                key: (cell if isinstance(cell, spreadsheet.Number) else cell.strip())
                for key, column in positions.items()
                for cell in [cells[column] if column < len(cells) else ""]
            }
            if not any(values.values()):
                continue
            result = self._limit_list_row(values, lookups, decimal)
            if isinstance(result, str):
                errors.append((number, result))
                continue
            policy, decision, legal, country = result
            ident = (policy.id, limit_list.key(values.get("buyer_ref")) or (legal, country))
            if ident in seen:
                errors.append(
                    (number, self.env._("The buyer already appears on row %s.", seen[ident]))
                )
                continue
            seen[ident] = number
            checked.append((number, policy, decision, legal, country))
        if errors:
            raise UserError(self._limit_list_refusal(filename, errors))
        if not checked:
            raise UserError(self.env._("%s holds no decision to import.", filename))
        entries, held = self._limit_list_buyers(checked)
        events = self.env["credit.insurance.cover"]._record_many(
            entries, "file", snapshot=True, new_only=True
        )
        self._limit_list_keep(content, filename, len(checked), len(events), held)
        return {"rows": len(checked), "decisions": len(events), "to_resolve": held}

    def _limit_list_rows(self, content, filename):
        """``([(row number, cells)], {key: column})`` after the header."""
        try:
            table = file_transport.read_table(
                content, filename, delimiter=self.file_delimiter, encoding=self.file_encoding
            )
        except spreadsheet.UnreadableFile as error:
            raise UserError(
                self.env._("Cannot read %(file)s: %(reason)s.", file=filename, reason=error)
            ) from None
        configured = {key: self[name] for key, name in COLUMN_FIELDS.items()}
        index, positions = limit_list.locate(table, configured)
        if index is None:
            labels = {
                "buyer_ref": self.env._(
                    "%(buyer)s or %(legal)s",
                    buyer=self.file_col_buyer_ref or "Buyer ID",
                    legal=self.file_col_legal_id or "Legal ID",
                ),
                "decision": self.file_col_decision or "Decision",
                "amount": self.file_col_amount or "Amount",
            }
            raise UserError(
                self.env._(
                    "%(file)s is not a limit list of %(insurer)s: column(s) %(missing)s not "
                    "found in its first rows (the insurer's column titles are set on the "
                    "insurer's File Exchange tab).",
                    file=filename,
                    insurer=self.name,
                    missing=", ".join(labels[key] for key in positions),
                )
            )
        return [(number + 2, row) for number, row in enumerate(table[index + 1 :], index)], (
            positions
        )

    def _limit_list_policies(self, positions):
        """``{normalized policy number or id: policy}``; the one policy
        when the list has no policy column."""
        policies = self.env["credit.insurance.policy"].search(
            [("backend_id", "=", self.id), ("company_id", "=", self.company_id.id)]
        )
        if "policy" not in positions:
            if len(policies) != 1:
                raise UserError(
                    self.env._(
                        "%s has several policies (or none): the limit list needs a policy column.",
                        self.name,
                    )
                )
            return {None: policies}
        index = {}
        for policy in policies:
            for number in (policy.name, policy.insurer_ref):
                if number:
                    index[limit_list.key(number)] = policy
        return index

    def _limit_list_decimal(self, rows, positions, filename, content):
        """The backend's decimal separator, else the one every amount
        written as text fits (see the field's help)."""
        if self.file_decimal:
            return self.file_decimal
        texts = [
            cells[positions["amount"]]
            for _number, cells in rows
            if positions["amount"] < len(cells)
            and cells[positions["amount"]].strip()
            and not isinstance(cells[positions["amount"]], spreadsheet.Number)
        ]

        def fits(decimal):
            try:
                for text in texts:
                    spreadsheet.parse_number(text, decimal)
            except spreadsheet.BadNumber:
                return False
            return True

        first_line = content.split(b"\n", 1)[0]
        comma_file = filename.lower().endswith(".csv") and first_line.count(b";") > (
            first_line.count(b",")
        )
        order = (",", ".") if comma_file else (".", ",")
        return next((decimal for decimal in order if fits(decimal)), order[0])

    def _limit_list_row(self, values, lookups, decimal):
        """``(policy, decision, legal id, country code)`` of a row, or the
        reason it cannot be imported."""
        row = {
            "legal": limit_list.key(values.get("legal_id")),
            "country": (values.get("country") or "").strip().upper(),
        }
        for check in (
            self._row_check_buyer,
            self._row_check_decision,
            self._row_check_amounts,
            self._row_check_dates,
        ):
            error = check(values, row, lookups, decimal)
            if error:
                return error
        decision = limit_list.decision(
            values,
            answer_code=row["answer"],
            amount=row["amount"] or 0.0,
            requested=row["requested"],
            currency=row["currency"],
            dates=row["dates"],
            raw={key: str(value) for key, value in values.items() if value},
        )
        return row["policy"], decision, row["legal"], row["country"]

    def _row_check_buyer(self, values, row, lookups, _decimal):
        if not values.get("buyer_ref") and not (row["legal"] and row["country"]):
            return self.env._("No buyer id, nor a legal id with its country.")
        if row["country"] and row["country"] not in lookups["countries"]:
            return self.env._("Unknown country code %s.", values["country"])
        policies = lookups["policies"]
        row["policy"] = policies.get(
            None if None in policies else limit_list.key(values.get("policy"))
        )
        if not row["policy"]:
            return self.env._(
                "Policy %s is not a policy of this insurer in this company.", values.get("policy")
            )
        return ""

    def _row_check_decision(self, values, row, lookups, _decimal):
        row["answer"] = limit_list.answer(values.get("decision"))
        if not row["answer"]:
            return self.env._("Unknown decision %s.", values.get("decision") or "''")
        row["currency"] = (values.get("currency") or row["policy"].currency_id.name).upper()
        if row["currency"] not in lookups["currencies"]:
            return self.env._("Unknown currency %s.", values.get("currency"))
        return ""

    def _row_check_amounts(self, values, row, _lookups, decimal):
        for key in ("amount", "requested"):
            try:
                row[key] = spreadsheet.parse_number(values.get(key) or "", decimal)
            except spreadsheet.BadNumber:
                return self.env._("Amount %s is not a number.", values.get(key))
            if (row[key] or 0.0) < 0:
                return self.env._("Amount %s is negative.", values.get(key))
        if row["amount"] is None and row["answer"] not in limit_list.NOTHING:
            return self.env._("A decision %s needs an amount.", values.get("decision"))
        return ""

    def _row_check_dates(self, values, row, _lookups, _decimal):
        row["dates"] = []
        for key in ("decision_date", "effective_date", "expiry_date"):
            try:
                row["dates"].append(limit_list.parse_date(values.get(key), self.file_day_first))
            except ValueError:
                return self.env._("%s is not a date.", values.get(key))
        return ""

    def _limit_list_buyers(self, checked):
        """The covers of the checked rows: ``([(cover, decision)], buyers
        to resolve)``. A row whose customer is unknown or not
        single is held on a buyer without customer (listed in *Buyers to
        Resolve*) with its decision."""
        env = self.env
        Buyer = env["credit.insurance.buyer"].sudo()
        Buyer.flush_model()
        env["res.partner"].flush_model(["vat", "company_registry", "country_id", "active"])
        refs = {limit_list.key(d.buyer_ref) for _n, _p, d, _l, _c in checked if d.buyer_ref}
        refs |= {legal for _n, _p, _d, legal, _c in checked if legal}
        by_ref = matching.buyers_by_ref(env, self.id, refs)
        wanted = set()
        for _number, _policy, decision, legal, country in checked:
            _buyer_id, partner_id = self._row_buyer(by_ref, decision, legal) or (None, None)
            if not partner_id and legal and country:
                wanted.add((legal, country))
        partners = matching.partners_by_legal_id(env, self.company_id.id, wanted)
        # Buyers of the customers found, made for those without one.
        found_ids = {ids[0] for ids in partners.values() if len(ids) == 1}
        own = {
            buyer.partner_id.id: buyer
            for buyer in Buyer.search(
                [("backend_id", "=", self.id), ("partner_id", "in", list(found_ids))]
            )
        }
        # The buyers found by their id, read together (one record each would
        # read them one by one).
        known = Buyer.browse({buyer_id for buyer_id, partner_id in by_ref.values() if partner_id})
        known_of = {buyer.id: buyer for buyer in known}
        resolved, unresolved = [], {}
        for number, policy, decision, legal, country in checked:
            buyer_id, partner_id = self._row_buyer(by_ref, decision, legal) or (None, None)
            if buyer_id and partner_id:
                resolved.append((number, policy, decision, known_of[buyer_id]))
                continue
            candidates = partners.get((legal, country), [])
            if len(candidates) == 1 and not buyer_id:
                buyer = own.get(candidates[0])
                resolved.append((number, policy, decision, buyer or candidates[0]))
                continue
            key = buyer_id or limit_list.key(decision.buyer_ref) or (legal, country)
            unresolved.setdefault(key, []).append((policy, decision, legal, country, candidates))
        covers_of = self._limit_list_resolved(resolved, own)
        pairs = [(policy.id, buyer.id) for _n, policy, _d, buyer in covers_of]
        covers = env["credit.insurance.cover"]._for_many(pairs)
        entries = [(covers[(policy.id, buyer.id)], d) for _n, policy, d, buyer in covers_of]
        held = self._limit_list_hold(unresolved)
        return entries, held

    @staticmethod
    def _row_buyer(by_ref, decision, legal):
        return by_ref.get(limit_list.key(decision.buyer_ref)) or by_ref.get(legal)

    def _limit_list_resolved(self, resolved, own):
        """Makes the buyers of customers the list names for the first time
        and stores the insurer's buyer id on all."""
        Buyer = self.env["credit.insurance.buyer"].sudo()
        new = {}
        # One read of the customers named for the first time.
        partners = self.env["res.partner"].browse(
            {buyer for _n, _p, _d, buyer in resolved if isinstance(buyer, int)}
        )
        partners.fetch(["vat", "company_registry", "country_id"])
        partner_of = {partner.id: partner for partner in partners}
        for _n, _p, decision, buyer in resolved:
            if isinstance(buyer, int) and buyer not in new:
                partner = partner_of[buyer]
                new[buyer] = {
                    "backend_id": self.id,
                    "partner_id": buyer,
                    "insurer_ref": decision.buyer_ref or partner.vat or partner.company_registry,
                    "legal_id": partner.vat or partner.company_registry,
                    "country_id": partner.country_id.id,
                    "match_state": "matched",
                }
        made = Buyer.with_context(**BULK).create(list(new.values())) if new else Buyer
        own.update(zip(new, made, strict=True))
        result = []
        for number, policy, decision, found in resolved:
            buyer = own[found] if isinstance(found, int) else found
            if decision.buyer_ref and limit_list.key(buyer.insurer_ref) != limit_list.key(
                decision.buyer_ref
            ):
                with privilege.granted(INSURER_BUYER_ID):
                    buyer.write({"insurer_ref": decision.buyer_ref, "match_state": "matched"})
            result.append((number, policy, decision, buyer))
        return result

    def _limit_list_hold(self, unresolved):
        """Keeps the decisions of rows without a single customer on buyers
        to resolve (one per insurer buyer id), replacing what an earlier
        list held. Returns those buyers."""
        Buyer = self.env["credit.insurance.buyer"].sudo()
        held = Buyer
        for key, rows in unresolved.items():
            _policy, decision, legal, country, candidates = rows[0]
            vals = {
                "held_decisions": [
                    {"policy_id": p.id, "decision": dataclasses.asdict(d)}
                    for p, d, _l, _c, _cand in rows
                ],
                "match_state": "ambiguous" if len(candidates) > 1 else "missing",
                "candidates": "\n".join(
                    self.env["res.partner"].browse(candidates).mapped("display_name")
                )
                or False,
            }
            if isinstance(key, int):
                buyer = Buyer.browse(key)
                buyer.write(vals)
            else:
                country_id = self.env["res.country"].search([("code", "=", country)], limit=1).id
                buyer = Buyer.with_context(**BULK).create(
                    {
                        **vals,
                        "backend_id": self.id,
                        "insurer_ref": decision.buyer_ref or legal,
                        "legal_id": legal or False,
                        "country_id": country_id or False,
                    }
                )
            held |= buyer
        return held

    def _limit_list_refusal(self, filename, errors):
        lines = "\n".join(
            self.env._("Row %(row)s: %(error)s", row=row, error=error)
            for row, error in sorted(errors)[:SHOWN_ERRORS]
        )
        more = len(errors) - SHOWN_ERRORS
        if more > 0:
            lines += "\n" + self.env._("... and %s more.", more)
        return self.env._(
            "Nothing was imported from %(file)s: %(count)s row(s) cannot be read.\n%(rows)s",
            file=filename,
            count=len(errors),
            rows=lines,
        )

    def _limit_list_keep(self, content, filename, rows, decisions, held):
        """The list as an attachment of the insurer, with what it did."""
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.message_post(
            body=self.env._(
                "Limit list %(file)s imported: %(rows)s row(s), %(decisions)s new decision(s), "
                "%(held)s buyer(s) to resolve.",
                file=filename,
                rows=rows,
                decisions=decisions,
                held=len(held),
            ),
            attachment_ids=attachment.ids,
        )
        return attachment

    # ------------------------------------------------------------------
    # Request files out
    # ------------------------------------------------------------------

    def _requests_to_send(self):
        return (
            self.env["credit.insurance.cover.event"]
            .sudo()
            .search(
                [
                    ("cover_id.backend_id", "=", self.id),
                    ("source", "=", "user"),
                    ("request_kind", "!=", False),
                    ("answer", "=", "requested"),
                    ("sent_date", "=", False),
                ],
                order="id",
            )
        )

    def _export_requests(self, file_format):
        """Writes the cover requests not sent yet into a request file kept
        on the insurer, and marks them sent; they stay requested until a
        limit list answers them."""
        self._check_file_exchange()
        events = self._requests_to_send()
        if not events:
            raise UserError(self.env._("No cover request of %s waits to be sent.", self.name))
        titles = [
            "Request Key",
            "Policy",
            "Buyer ID",
            "Legal ID",
            "Country",
            "Buyer Name",
            "Request",
            "EDIFACT 4505",
            "Requested Amount",
            "Currency",
            "Cover ID",
            "Requested On",
        ]
        rows = []
        for event in events:
            cover, buyer = event.cover_id, event.cover_id.buyer_id
            rows.append(
                [
                    event.request_key or "",
                    cover.policy_id.insurer_ref or cover.policy_id.name,
                    buyer.insurer_ref or "",
                    buyer.legal_id or buyer.partner_id.vat or buyer.partner_id.company_registry,
                    buyer.country_id.code or buyer.partner_id.country_id.code or "",
                    buyer.partner_id.name or "",
                    event.request_kind,
                    event.request_code or "",
                    event.requested_amount,
                    event.currency_id.name,
                    cover.insurer_ref or "",
                    event.create_date.date(),
                ]
            )
        now = fields.Datetime.now()
        name = f"{self.name} requests {now.strftime('%Y-%m-%d %H%M%S')}.{file_format}"
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": file_transport.write_table(titles, rows, file_format),
                "mimetype": file_transport.MIMETYPES[file_format],
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        events.write({"sent_date": now, "request_file_id": attachment.id})
        self.message_post(
            body=self.env._("%s cover request(s) written to a request file.", len(events)),
            attachment_ids=attachment.ids,
        )
        return attachment
