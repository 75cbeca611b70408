from odoo import api, models


class FactoringContract(models.Model):
    _inherit = "factoring.contract"

    def _demo_accounting(self):
        """Gives the demo contracts the company's journals and accounts (the
        current and reserve accounts created once); leaves what is set."""
        for contract in self:
            company = contract.company_id
            env = self.with_company(company).env
            Journal, Account = env["account.journal"], env["account.account"]
            domain = Journal._check_company_domain(company)
            vals = {
                "journal_id": contract.journal_id.id
                or Journal.search([*domain, ("type", "=", "general")], limit=1).id,
                "funding_journal_id": contract.funding_journal_id.id
                or Journal.search([*domain, ("type", "=", "bank")], limit=1).id,
                "factor_receivable_account_id": contract.factor_receivable_account_id.id
                or contract._demo_account("467100", "Factor current account").id,
                "reserve_account_id": contract.reserve_account_id.id
                or contract._demo_account("467200", "Factor reserve (guarantee fund)").id,
                "fee_account_id": contract.fee_account_id.id
                or Account.search(
                    [*Account._check_company_domain(company), ("account_type", "=", "expense")],
                    limit=1,
                ).id,
            }
            if not contract.fee_tax_ids and company.account_purchase_tax_id:
                vals["fee_tax_ids"] = company.account_purchase_tax_id.ids
            contract.write(vals)

    def _demo_account(self, code, name):
        Account = self.env["account.account"].with_company(self.company_id)
        account = Account.search(
            [*Account._check_company_domain(self.company_id), ("code", "=", code)], limit=1
        )
        return account or Account.create(
            {"code": code, "name": name, "account_type": "asset_current", "reconcile": True}
        )


class FactoringBatch(models.Model):
    _inherit = "factoring.batch"

    @api.model
    def _demo_fund(self, batch_ids, move_ids):
        """Takes the demo batches on to funding from where they stand (a
        second load does nothing)."""
        for batch in self.browse(batch_ids).exists():
            if batch.state == "draft":
                posted = self.env["account.move"].browse(move_ids).exists()
                posted = posted.filtered(lambda m: m.state == "posted")
                batch.action_add_documents(posted.ids)
                if not batch.line_ids:
                    continue
                batch.action_generate()
            if batch.state == "generated":
                batch.action_send()
            if batch.state == "sent":
                batch.action_acknowledge()
            if batch.state in ("acknowledged", "partially_rejected"):
                batch.action_fund()
