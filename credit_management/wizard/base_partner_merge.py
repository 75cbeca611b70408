from odoo import models

from ..engine import privilege
from ..models.res_partner import HOLD_FIELDS

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
        # Odoo copies only the fields the user may read, in the current
        # company: the credit data of every company is read here as
        # superuser (values of the merged partners, not a caller's) and
        # written on the kept partner, logged on it.
        merged = self._credit_merged_values(src_partners, dst_partner)
        with privilege.granted(privilege.PARTNER_MERGE):
            result = super()._update_values(src_partners, dst_partner)
            for company, vals in merged.items():
                kept = dst_partner.sudo()
                (kept.with_company(company) if company else kept).write(vals)
        return result

    def _credit_merged_values(self, src_partners, dst_partner):
        """{company or None: values} for the kept partner: a hold of any
        merged partner stays (with its reason, date and author) unless the
        kept one has its own; other values are the kept partner's where set,
        else a merged partner's."""
        kept = dst_partner._credit_own_values()
        merged = {}
        for source in src_partners:
            for company, values in source._credit_own_values().items():
                own = kept.get(company, {})
                target = merged.setdefault(company, {})
                held = values.get("credit_hold")
                if held and not own.get("credit_hold") and not target.get("credit_hold"):
                    target.update({name: values.get(name, False) for name in HOLD_FIELDS})
                for name, value in values.items():
                    if name not in HOLD_FIELDS and name not in own:
                        target[name] = value
        return {
            company: dst_partner._convert_to_write(values)
            for company, values in merged.items()
            if values
        }
