from odoo import fields, models


class CreditCollectionTeam(models.Model):
    _name = "credit.collection.team"
    _description = "Collection Team"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda s: s.env.company)
    user_id = fields.Many2one(
        "res.users",
        string="Team Leader",
        check_company=True,
        help="Receives the cases that no collector is assigned to, and the escalations.",
    )
    member_ids = fields.Many2many(
        "res.users",
        "credit_collection_team_member_rel",
        "team_id",
        "user_id",
        string="Collectors",
        check_company=True,
        help="Collectors see the cases of their team, besides their own.",
    )
    case_ids = fields.One2many("credit.collection.case", "team_id", string="Cases")
