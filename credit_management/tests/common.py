from datetime import timedelta

from odoo import Command, fields
from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.tests import new_test_user

from ..engine import check


class CreditCommon(AccountTestInvoicingCommon):
    """A company in block mode, users of each credit group, customers and a
    helper that books invoices with explicit dates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The accountant of Odoo's test base also manages credit.
        cls.env.user.group_ids += cls.env.ref("credit_management.group_credit_control_manager")
        cls.today = fields.Date.context_today(cls.env.user)
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "credit_check_mode": "block",
                "credit_include_draft": False,
                "credit_net_unapplied": False,
            }
        )
        cls.currency = cls.company.currency_id
        company_ctx = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.manager = new_test_user(
            cls.env,
            login="credit_manager",
            name="Credit Manager",
            groups="base.group_user,base.group_partner_manager,"
            "credit_management.group_credit_control_manager",
            **company_ctx,
        )
        cls.controller = new_test_user(
            cls.env,
            login="credit_controller",
            name="Credit Controller",
            groups="base.group_user,credit_management.group_credit_control_user",
            **company_ctx,
        )
        cls.salesman = new_test_user(
            cls.env,
            login="credit_salesman",
            name="Salesman",
            groups="base.group_user,account.group_account_invoice",
            **company_ctx,
        )
        cls.customer = cls.env["res.partner"].create({"name": "Customer Ltd", "is_company": True})
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Buyer at Customer", "parent_id": cls.customer.id}
        )

    @classmethod
    def _invoice(
        cls,
        partner,
        amount,
        *,
        due_days=30,
        date_days=-10,
        currency=None,
        post=True,
        move_type="out_invoice",
        company=None,
    ):
        """An invoice of ``amount`` (no tax) dated ``date_days`` from today,
        due ``due_days`` from today; posted without the credit check."""
        company = company or cls.company
        move = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": cls.today + timedelta(days=date_days),
                    "invoice_date_due": cls.today + timedelta(days=due_days),
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Goods", "quantity": 1, "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        if post:
            with check.skipped():
                move._post(soft=False)
        return move

    @classmethod
    def _pay(cls, invoice, amount=None, days=0):
        """Registers a payment of ``amount`` (all by default) ``days`` from today."""
        wizard = (
            cls.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "payment_date": cls.today + timedelta(days=days),
                    **({"amount": amount} if amount is not None else {}),
                }
            )
        )
        return wizard._create_payments()

    def _set_limit(self, partner, amount, company=None):
        partner.with_company(company or self.company).credit_limit = amount
