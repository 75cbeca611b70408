from odoo import fields, models

# What a stage means to the code; several stages may share a type.
STAGE_TYPES = [
    ("open", "Open"),
    ("contacted", "Contacted"),
    ("promised", "Promised"),
    ("plan", "Payment Plan"),
    ("disputed", "Disputed"),
    ("legal", "Legal / Agency"),
    ("written_off", "Written Off"),
    ("closed", "Closed"),
]
CLOSED_TYPES = ("written_off", "closed")


class CreditCollectionStage(models.Model):
    _name = "credit.collection.stage"
    _description = "Collection Case Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    stage_type = fields.Selection(
        selection=STAGE_TYPES,
        string="Meaning",
        required=True,
        default="open",
        help="What the stage means to the automatic transitions: a case moves to the first "
        "stage (by sequence) of the type that fits, e.g. Promised when a promise is recorded.",
    )
    fold = fields.Boolean(string="Folded in Kanban")
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
