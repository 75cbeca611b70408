from odoo import models

from ..engine import privilege

# Tables Odoo's merges (of partners, and of accounts through the same code)
# must not repoint: they update every foreign key in SQL, and a unique index
# would abort the whole merge. Open balances follow the journal items, whose
# repointing the trigger sees; locks, scores and dunning claims are working
# rows per partner, deleted with the merged partners and made again for the
# one kept.
NOT_MERGED = (
    "credit_open_balance",
    "credit_check_lock",
    "credit_risk_score",
    "credit_dunning_claim",
)


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        # Merged customers may each have an open collection case: one per
        # company goes on, the others are closed first (the one-open-case
        # index would abort the merge) and handed over once the items are
        # the destination's. The merge itself repoints every table in SQL
        # whatever the user's rights; the cases it touches are the merged
        # partners', not records a user chose.
        Case = self.env["credit.collection.case"].sudo()
        merges = Case._merge_prepare(src_partners | dst_partner, dst_partner)
        result = super()._update_foreign_keys(src_partners, dst_partner)
        for kept, closed in merges:
            kept._merge_absorb(closed)
        return result

    def _get_fk_on(self, table):
        relations = super()._get_fk_on(table)
        return [(name, column) for name, column in relations if name not in NOT_MERGED]

    def _update_values(self, src_partners, dst_partner):
        # The kept partner takes the merged partners' holds and flags (a hold
        # on any of them stays): values of existing records, logged on it.
        with privilege.granted(privilege.PARTNER_MERGE):
            return super()._update_values(src_partners, dst_partner)
