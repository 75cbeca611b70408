from odoo import api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import ValidationError

from ..formats import layout as layout_format

# Granted while a layout is saved with its fields: they are checked together
# once all of them are written (moving two fields may overlap in between).
LAYOUT_EDIT = "factoring_layout_edit"

RECORD_TYPES = [("01", "01 Header"), ("02", "02 Detail"), ("09", "09 Trailer")]
SOURCE_LABELS = [
    ("constant", "Constant"),
    ("record_type", "Record Type"),
    ("sequence", "Record Sequence Number"),
    ("client_code", "Client Code at the Factor"),
    ("company_name", "Company Name"),
    ("currency", "Currency Code"),
    ("file_date", "File Date"),
    ("statement_date", "Statement Date"),
    ("file_id", "File Id (Batch Number)"),
    ("file_number", "File Number (digits, last ones kept)"),
    ("debtor_legal_id", "Customer Company Registry (SIRET)"),
    ("debtor_vat", "Customer VAT Number"),
    ("debtor_name", "Customer Name"),
    ("debtor_ref", "Customer Reference"),
    ("domestic_export", "Domestic or Export (D/E)"),
    ("document_number", "Document Number"),
    ("document_type", "Document Type (invoice/credit note code)"),
    ("document_date", "Document Date"),
    ("due_date", "Due Date"),
    ("amount_cents", "Amount in Cents (unsigned)"),
    ("amount_sign", "Amount Sign (+/-)"),
    ("record_count", "Number of Documents"),
    ("total_cents", "Balance in Cents (unsigned)"),
    ("total_sign", "Balance Sign (+/-)"),
]


class FactoringFileLayout(models.Model):
    """A factor's file format as data: which records, which fields where."""

    _name = "factoring.file.layout"
    _description = "Factoring File Layout"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", help="Empty: shared by every company.", index=True)
    kind = fields.Selection(
        selection=[("csv", "CSV"), ("fixed", "Fixed Width")], required=True, default="csv"
    )
    record_length = fields.Integer(help="Characters in each record of a fixed-width file.")
    separator = fields.Char(default=";", size=1)
    header_row = fields.Boolean(
        string="Column Names Row", default=True, help="CSV: a first row of column names."
    )
    invoice_code = fields.Char(default="FAC", help="Document type written for an invoice.")
    refund_code = fields.Char(default="AVO", help="Document type written for a credit note.")
    file_extension = fields.Char(default="txt")
    field_ids = fields.One2many("factoring.file.layout.field", "layout_id", string="Fields")

    _code_uniq = models.Constraint("UNIQUE(code, company_id)", "Layout codes are unique.")

    @api.constrains("kind", "record_length", "separator")
    def _check_kind(self):
        for layout in self:
            if layout.kind == "fixed" and layout.record_length <= 0:
                raise ValidationError(self.env._("A fixed-width layout needs its record length."))
            if layout.kind == "csv" and not layout.separator:
                raise ValidationError(self.env._("A CSV layout needs its separator."))

    @api.constrains("kind", "record_length", "field_ids")
    def _check_fields_placed(self):
        """Fixed width: every field has a length, lies within the record and
        overlaps no other field of its record type. CSV: one field a column."""
        for layout in self:
            error = layout._placement_error()
            if error:
                raise ValidationError(error)

    def _placement_error(self):
        self.ensure_one()
        for record_type, record_label in RECORD_TYPES:
            fields_ = self.field_ids.filtered(lambda f, rt=record_type: f.record_type == rt)
            previous = last = None
            for field in fields_.sorted(lambda f: (f.position, f.id)):
                names = {
                    "layout": self.name,
                    "record": record_label,
                    "field": field.name,
                    "start": field.position,
                    "end": field.position + field.width - 1,
                }
                if self.kind != "fixed":
                    if last and last.position == field.position:
                        return self.env._(
                            "Layout %(layout)s, %(record)s record: %(field)s and %(other)s are "
                            "both in column %(start)s.",
                            other=last.name,
                            **names,
                        )
                elif field.width <= 0:
                    return self.env._(
                        "Layout %(layout)s, %(record)s record: field %(field)s needs its number "
                        "of characters.",
                        **names,
                    )
                elif names["end"] > self.record_length:
                    return self.env._(
                        "Layout %(layout)s, %(record)s record: field %(field)s (columns "
                        "%(start)s to %(end)s) does not fit in records of %(record_length)s "
                        "characters.",
                        record_length=self.record_length,
                        **names,
                    )
                elif previous and previous.position + previous.width > field.position:
                    return self.env._(
                        "Layout %(layout)s, %(record)s record: fields %(other)s (columns "
                        "%(other_start)s to %(other_end)s) and %(field)s (columns %(start)s to "
                        "%(end)s) overlap.",
                        other=previous.name,
                        other_start=previous.position,
                        other_end=previous.position + previous.width - 1,
                        **names,
                    )
                # The field ending furthest is the one the next may overlap.
                if previous is None or (
                    field.position + field.width > previous.position + previous.width
                ):
                    previous = field
                last = field
        return None

    @api.model_create_multi
    def create(self, vals_list):
        with privilege.granted(LAYOUT_EDIT):
            return super().create(vals_list)

    def write(self, vals):
        with privilege.granted(LAYOUT_EDIT):
            return super().write(vals)

    def _spec(self):
        """The plain-Python layout of :mod:`..formats.layout`."""
        self.ensure_one()
        return layout_format.Layout(
            kind=self.kind,
            record_length=self.record_length,
            separator=self.separator or ";",
            header_row=self.header_row,
            fields=tuple(
                layout_format.Field(
                    record_type=f.record_type,
                    name=f.name,
                    source=f.source,
                    position=f.position,
                    length=f.width,
                    pad=f.pad or " ",
                    align=f.align,
                    constant=f.constant or "",
                    date_format=f.date_format,
                )
                for f in self.field_ids.sorted(lambda f: (f.record_type, f.position, f.id))
            ),
        )


class FactoringFileLayoutField(models.Model):
    _name = "factoring.file.layout.field"
    _description = "Factoring File Layout Field"
    _order = "layout_id, record_type, position, id"

    layout_id = fields.Many2one(
        "factoring.file.layout", required=True, ondelete="cascade", index=True
    )
    record_type = fields.Selection(selection=RECORD_TYPES, required=True, default="02")
    name = fields.Char(required=True)
    position = fields.Integer(required=True, help="First column (fixed) or column order (CSV).")
    width = fields.Integer(help="Characters (fixed); CSV: zero for no limit.")
    pad = fields.Char(string="Padding", default=" ", size=1, trim=False)
    align = fields.Selection(
        selection=[("left", "Left"), ("right", "Right")], required=True, default="left"
    )
    source = fields.Selection(selection=SOURCE_LABELS, required=True, default="constant")
    constant = fields.Char(trim=False)
    date_format = fields.Selection(
        selection=[("ddmmyyyy", "DDMMYYYY"), ("yyyymmdd", "YYYYMMDD"), ("iso", "YYYY-MM-DD")],
        default="ddmmyyyy",
        required=True,
    )

    _position_positive = models.Constraint(
        "CHECK(position > 0 AND width >= 0)", "Positions start at 1; lengths are not negative."
    )

    @api.constrains("record_type", "source", "position", "width", "layout_id")
    def _check_place(self):
        for field in self:
            if field.record_type not in layout_format.SOURCES[field.source]:
                raise ValidationError(
                    self.env._(
                        "%(value)s cannot be written in a %(record)s record.",
                        value=dict(SOURCE_LABELS)[field.source],
                        record=dict(RECORD_TYPES)[field.record_type],
                    )
                )
        if not privilege.has(LAYOUT_EDIT):
            self.layout_id._check_fields_placed()
