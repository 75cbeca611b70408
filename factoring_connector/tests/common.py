from contextlib import contextmanager

from odoo import Command
from odoo.addons.credit_management.tests.common import CreditCommon
from odoo.tests import new_test_user


class FactoringCommon(CreditCommon):
    """credit_management's test base plus a factor, its bank account, a
    notified contract with recourse on the company's accounts, an accounting
    manager and debtors with approvals."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_ctx = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.accountant = new_test_user(
            cls.env,
            login="factoring_accountant",
            name="Accounting Manager",
            groups="base.group_user,account.group_account_manager",
            **company_ctx,
        )
        cls.factor = cls.env["res.partner"].create({"name": "Factor SA", "is_company": True})
        cls.factor_bank = cls.env["res.partner.bank"].create(
            {"partner_id": cls.factor.id, "acc_number": "FR7630001007941234567890185"}
        )
        Account = cls.env["account.account"]
        cls.factor_account = Account.create(
            {
                "code": "467100",
                "name": "Factor receivable",
                "account_type": "asset_current",
                "reconcile": True,
            }
        )
        cls.reserve_account = Account.create(
            {
                "code": "467200",
                "name": "Factor reserve",
                "account_type": "asset_current",
                "reconcile": True,
            }
        )
        cls.fee_account = Account.create(
            {"code": "627100", "name": "Factoring fees", "account_type": "expense"}
        )
        cls.contract = cls.env["factoring.contract"].create(cls._contract_vals())
        cls.debtor = cls.customer
        cls.debtor.write({"country_id": cls.env.ref("base.fr").id})
        cls.approval = cls.env["factoring.debtor.approval"].create(
            {
                "contract_id": cls.contract.id,
                "partner_id": cls.debtor.id,
                "amount": 10000,
                "date_start": cls.today.replace(day=1).replace(year=cls.today.year - 1),
            }
        )

    @classmethod
    def _contract_vals(cls, **vals):
        return {
            "name": "Factor SA notified",
            "company_id": cls.company.id,
            "factor_id": cls.factor.id,
            "factor_bank_id": cls.factor_bank.id,
            "client_code": "004217",
            "mode": "notified",
            "recourse": "with",
            "currency_id": cls.currency.id,
            "advance_percent": 85,
            "reserve_percent": 10,
            "service_fee_percent": 0.5,
            "discount_rate_daily": 0.01,
            "batch_fee": 20,
            "journal_id": cls.company_data["default_journal_misc"].id,
            "factor_receivable_account_id": cls.factor_account.id,
            "reserve_account_id": cls.reserve_account.id,
            "fee_account_id": cls.fee_account.id,
            "assignment_notice": "<p>Assigned to Factor SA: pay Factor SA only.</p>",
            "layout_id": cls.env.ref("factoring_connector.factoring_file_layout_generic_csv").id,
            **vals,
        }

    @contextmanager
    def refused(self, exception, pattern):
        """assertRaisesRegex inside a savepoint (Odoo's assertRaises has one,
        its assertRaisesRegex has none)."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)
