import json

from odoo import api, fields, models
from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import AccessError, UserError

from ..mappers import Decision

# Granted to the insurer's own limit lists when they name their buyer id for
# a buyer known by its legal id (see credit_insurance_backend_file.py).
INSURER_BUYER_ID = "insurance_insurer_buyer_id"

MATCH_STATES = [
    ("matched", "Matched"),
    ("ambiguous", "Ambiguous"),
    ("missing", "Not Found"),
]


class CreditInsuranceBuyer(models.Model):
    """A customer as an insurer knows it: the binding between a commercial
    partner and the insurer's buyer id, found by legal id and country."""

    _name = "credit.insurance.buyer"
    _description = "Insured Buyer"
    _inherit = ["mail.thread"]
    _order = "partner_id, id"
    _check_company_auto = True
    _rec_name = "partner_id"

    backend_id = fields.Many2one(
        "credit.insurance.backend",
        string="Insurer",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    # Empty only while a limit list's buyer waits for a person to name it.
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        index=True,
        ondelete="cascade",
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    insurer_ref = fields.Char(string="Insurer Buyer ID", tracking=True, index=True)
    match_state = fields.Selection(
        selection=MATCH_STATES, required=True, default="missing", tracking=True, index=True
    )
    candidates = fields.Text(
        string="Candidates", readonly=True, help="The insurer's answers when several buyers match."
    )
    legal_id = fields.Char(string="Legal ID Sent", readonly=True)
    country_id = fields.Many2one("res.country", string="Country Sent", readonly=True)
    cover_ids = fields.One2many("credit.insurance.cover", "buyer_id", string="Covers")
    held_decisions = fields.Json(
        readonly=True,
        copy=False,
        help="Decisions of a limit list kept until the customer of this buyer is chosen.",
    )
    held_count = fields.Integer(string="Decisions Waiting", compute="_compute_held_count")

    _partner_uniq = models.Constraint(
        "UNIQUE(backend_id, partner_id)", "A customer is one buyer per insurer."
    )

    @api.depends("held_decisions")
    def _compute_held_count(self):
        for buyer in self:
            buyer.held_count = len(buyer.held_decisions or [])

    @api.depends("partner_id", "insurer_ref", "legal_id")
    def _compute_display_name(self):
        for buyer in self:
            buyer.display_name = buyer.partner_id.display_name or self.env._(
                "Unknown buyer %s", buyer.insurer_ref or buyer.legal_id or ""
            )

    @api.model_create_multi
    def create(self, vals_list):
        # One read of the customers' commercial partners for the batch.
        partners = self.env["res.partner"].browse(
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        )
        commercial = {partner.id: partner.commercial_partner_id.id for partner in partners}
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = commercial[vals["partner_id"]]
        return super().create(vals_list)

    def write(self, vals):
        # A buyer id set by hand resolves the match.
        if vals.get("insurer_ref") and "match_state" not in vals:
            vals = {**vals, "match_state": "matched"}
        if "held_decisions" in vals and not self.env.su:
            raise AccessError(self.env._("Held decisions come from the insurer's limit lists."))
        if vals.get("partner_id"):
            # The customer chosen for a limit list's buyer resolves it.
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals = {**vals, "partner_id": partner.commercial_partner_id.id}
            if "match_state" not in vals and all(buyer.insurer_ref for buyer in self):
                vals["match_state"] = "matched"
        self._check_binding_kept(vals)
        result = super().write(vals)
        if vals.get("partner_id"):
            self.filtered("held_decisions")._record_held()
        return result

    def _check_binding_kept(self, vals):
        """A buyer with covers (in any state) keeps its customer and its
        insurer buyer id: the covers, their history and the exposure they
        cap belong to that customer at that insurer."""
        changed = [
            buyer
            for buyer in self
            if ("partner_id" in vals and (vals["partner_id"] or False) != buyer.partner_id.id)
            or (
                "insurer_ref" in vals
                and (vals["insurer_ref"] or False) != (buyer.insurer_ref or False)
                and not privilege.has(INSURER_BUYER_ID)
            )
        ]
        if not changed:
            return
        self.check_access("write")  # a stranger learns nothing of the covers
        # Read as the system: covers count whoever writes, only to refuse.
        covered = (
            self.env["credit.insurance.cover"]
            .sudo()
            .search([("buyer_id", "in", [buyer.id for buyer in changed])])
        )
        if covered:
            raise UserError(
                self.env._(
                    "%s has covers: its customer and insurer buyer ID are kept. For another "
                    "customer or buyer of the insurer, request a cover for that one.",
                    ", ".join(covered.buyer_id.sudo().mapped("display_name")),
                )
            )

    def _record_held(self):
        """Records the limit list decisions held until the customer was
        known, as the list would have."""
        entries = []
        Cover = self.env["credit.insurance.cover"].sudo()
        for buyer in self.sudo():
            if not buyer.partner_id or buyer.match_state != "matched":
                continue
            for held in buyer.held_decisions or []:
                policy = self.env["credit.insurance.policy"].sudo().browse(held["policy_id"])
                cover = Cover._for(policy, buyer)
                entries.append((cover, Decision(**held["decision"])))
            buyer.held_decisions = False
        if entries:
            Cover._record_many(entries, "file", snapshot=True)

    @api.model
    def _match(self, backend, partner):
        """The buyer of ``partner`` at ``backend``, looked up at the insurer
        by VAT (else company registry) and country when not yet matched."""
        partner = partner.commercial_partner_id
        buyer = self.sudo().search(
            [("backend_id", "=", backend.id), ("partner_id", "=", partner.id)], limit=1
        )
        if buyer.match_state == "matched" and buyer.insurer_ref:
            return buyer
        vat, registry = partner.vat or "", partner.company_registry or ""
        country = partner.country_id
        if not country or not (vat or registry):
            raise UserError(
                self.env._(
                    "%s needs a country and a VAT number or company registry to be found at the "
                    "insurer.",
                    partner.display_name,
                )
            )
        candidates = backend._call(
            lambda adapter: adapter.search_buyer(vat, registry, country.code)
        )
        vals = {
            "backend_id": backend.id,
            "partner_id": partner.id,
            "legal_id": vat or registry,
            "country_id": country.id,
            "candidates": json.dumps(candidates, indent=1) if len(candidates) > 1 else False,
        }
        if len(candidates) == 1:
            vals.update(match_state="matched", insurer_ref=candidates[0]["ref"])
        else:
            vals.update(match_state="ambiguous" if candidates else "missing", insurer_ref=False)
        if buyer:
            buyer.write(vals)
        else:
            buyer = self.sudo().create(vals)
        return buyer

    def action_match(self):
        """Looks the buyers up at their insurer again."""
        self.env["credit.insurance.backend"]._check_manager()
        self.check_access("write")
        for buyer in self:
            self._match(buyer.backend_id, buyer.partner_id)

    def _action_resolve_notification(self):
        """Where a request lands when the insurer's match needs a person."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "%s: choose the insurer's buyer (several or no matches)", self.partner_id.name
            ),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }
