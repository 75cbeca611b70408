from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import FactoringCommon


@tagged("post_install", "-at_install")
class TestContract(FactoringCommon):
    def test_advance_and_reserve_at_most_the_document(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["factoring.contract"].create(
                self._contract_vals(advance_percent=95, reserve_percent=10)
            )

    def test_negative_fee_refused(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["factoring.contract"].create(self._contract_vals(batch_fee=-1))

    def test_bank_account_of_the_factor_only(self):
        ours = self.env["res.partner.bank"].create(
            {"partner_id": self.customer.id, "acc_number": "BE71096123456769"}
        )
        with self.refused(ValidationError, "not one of the factor"):
            self.contract.factor_bank_id = ours

    def test_notified_factoring_needs_the_factor_bank(self):
        with self.refused(ValidationError, "bank account"):
            self.env["factoring.contract"].create(self._contract_vals(factor_bank_id=False))
        confidential = self.env["factoring.contract"].create(
            self._contract_vals(mode="confidential", factor_bank_id=False)
        )
        self.assertEqual(confidential.mode, "confidential")

    def test_foreign_documents_only_in_a_company_currency_contract(self):
        usd = self.env.ref("base.USD")
        eur = self.env.ref("base.EUR")
        other = eur if self.currency == usd else usd
        other.active = True
        with self.refused(ValidationError, "not in the company currency"):
            self.env["factoring.contract"].create(
                self._contract_vals(currency_id=other.id, currency_ids=[(6, 0, self.currency.ids)])
            )
        contract = self.env["factoring.contract"].create(
            self._contract_vals(currency_ids=[(6, 0, (other | self.currency).ids)])
        )
        self.assertEqual(contract._document_currencies(), other | self.currency)

    def test_assignment_notice_per_language(self):
        self.assertTrue(self.contract._fields["assignment_notice"].translate)
        self.env["res.lang"]._activate_lang("fr_FR")
        self.contract.with_context(
            lang="fr_FR"
        ).assignment_notice = "<p>Créance cédée à Factor SA : payez Factor SA.</p>"
        self.env.flush_all()
        stored = self.env.execute_query(
            SQL("SELECT assignment_notice FROM factoring_contract WHERE id = %s", self.contract.id)
        )[0][0]
        self.assertIn("Créance cédée", stored["fr_FR"])


@tagged("post_install", "-at_install")
class TestApproval(FactoringCommon):
    def _approval(self, **vals):
        return self.env["factoring.debtor.approval"].create(
            {"contract_id": self.contract.id, "partner_id": self.debtor.id, "amount": 5000, **vals}
        )

    def test_overlapping_approvals_refused(self):
        with self.refused(ValidationError, "already has an approval"):
            self._approval(date_start=self.today)
        self.approval.date_end = self.today
        later = self._approval(date_start=self.today.replace(year=self.today.year + 1))
        self.assertEqual(later.currency_id, self.contract.currency_id)

    def test_companies_only_in_the_contract_currency(self):
        with self.refused(ValidationError, "approves companies"):
            self._approval(partner_id=self.customer_contact.id)
        other = (
            self.env.ref("base.USD") if self.currency.name != "USD" else self.env.ref("base.EUR")
        )
        self.approval.date_end = self.today
        with self.refused(ValidationError, "contract's currency"):
            self._approval(
                currency_id=other.id, date_start=self.today.replace(year=self.today.year + 1)
            )

    def test_negative_amount_and_reversed_dates_refused(self):
        self.approval.date_end = self.today
        start = self.today.replace(year=self.today.year + 1)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._approval(amount=-1, date_start=start)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self._approval(date_start=start, date_end=self.today)

    def test_current_approval(self):
        rows = self.env.execute_query(
            self.env["factoring.debtor.approval"]._current_query(self.contract, self.today)
        )
        self.assertEqual(rows, [(self.debtor.id, 10000)])


@tagged("post_install", "-at_install")
class TestContractAccess(FactoringCommon):
    def test_credit_control_user_reads_only(self):
        contract = self.contract.with_user(self.controller)
        self.assertEqual(contract.name, "Factor SA notified")
        self.assertEqual(self.approval.with_user(self.controller).amount, 10000)
        with self.assertRaises(AccessError):
            contract.write({"advance_percent": 90})
        with self.assertRaises(AccessError):
            self.approval.with_user(self.controller).write({"amount": 99999})

    def test_invoicing_user_sees_no_contract(self):
        with self.assertRaises(AccessError):
            self.env["factoring.contract"].with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            self.env["factoring.debtor.approval"].with_user(self.salesman).search([])

    def test_sales_manager_without_credit_rights(self):
        """A Sales Manager (with `sale`, else an internal user managing
        contacts) neither reads nor writes factoring contracts and batches,
        nor reads the factoring of invoices and customers."""
        groups = "base.group_user,base.group_partner_manager"
        sale_manager = self.env.ref("sales_team.group_sale_manager", raise_if_not_found=False)
        if sale_manager:
            groups += ",sales_team.group_sale_manager"
        user = new_test_user(
            self.env,
            login="factoring_sales_manager",
            groups=groups,
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertEqual(
            bool(sale_manager and sale_manager in user.all_group_ids), bool(sale_manager)
        )
        batch = self.env["factoring.batch"].create({"contract_id": self.contract.id})
        for record, vals in (
            (self.contract, {"advance_percent": 99}),
            (batch, {"contract_id": self.contract.id}),
            (self.approval, {"amount": 99999}),
        ):
            with self.subTest(model=record._name):
                as_user = record.with_user(user)
                with self.assertRaises(AccessError):
                    as_user.search([])
                with self.assertRaises(AccessError):
                    as_user.read(["display_name"])
                with self.assertRaises(AccessError):
                    as_user.write(vals)
        with self.assertRaises(AccessError):
            self.env["factoring.batch"].with_user(user).create({"contract_id": self.contract.id})
        invoice = self._invoice(self.debtor, 1000)
        for record in (invoice, self.debtor):
            hidden = [
                name
                for name, field in record._fields.items()
                if field.groups and "factoring_connector" in field._modules
            ]
            self.assertTrue(hidden, record._name)
            for name in hidden:
                with self.subTest(model=record._name, field=name), self.assertRaises(AccessError):
                    record.with_user(user).read([name])

    def test_managers_change_contracts(self):
        self.contract.with_user(self.manager).advance_percent = 80
        self.contract.with_user(self.accountant).reserve_percent = 15
        self.assertEqual((self.contract.advance_percent, self.contract.reserve_percent), (80, 15))
        self.approval.with_user(self.accountant).amount = 12000
        self.assertEqual(self.approval.amount, 12000)

    def test_other_company_invisible(self):
        other = self.env["res.company"].create({"name": "Other Factoring Co"})
        foreign = self.env["factoring.contract"].create(
            {
                "name": "Foreign",
                "company_id": other.id,
                "factor_id": self.factor.id,
                "mode": "confidential",
                "currency_id": other.currency_id.id,
            }
        )
        found = self.env["factoring.contract"].with_user(self.manager).search([])
        self.assertIn(self.contract, found)
        self.assertNotIn(foreign, found)
        with self.assertRaises(AccessError):
            foreign.with_user(self.manager).read(["name"])
