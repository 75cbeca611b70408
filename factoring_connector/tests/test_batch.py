from datetime import timedelta

from psycopg2 import IntegrityError

from odoo.addons.credit_management.engine import privilege
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from ..models.factoring_batch import BATCH_ACTION
from .common import FactoringCommon


class BatchCommon(FactoringCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contract.write({"max_age_days": 90, "min_amount": 50})
        cls.second = cls.env["res.partner"].create({"name": "Second Debtor", "is_company": True})
        cls.env["factoring.debtor.approval"].create(
            {
                "contract_id": cls.contract.id,
                "partner_id": cls.second.id,
                "amount": 50000,
                "date_start": cls.today - timedelta(days=365),
            }
        )

    def _batch(self, user=None, contract=None):
        return (
            self.env["factoring.batch"]
            .with_user(user or self.manager)
            .create({"contract_id": (contract or self.contract).id})
        )

    def _moves(self, batch, live=True):
        return batch.line_ids.filtered(lambda ln: ln.live == live).move_id


@tagged("post_install", "-at_install")
class TestEligibility(BatchCommon):
    def test_eligible_documents(self):
        inv = self._invoice(self.debtor, 1000)
        refund = self._invoice(self.debtor, 300, move_type="out_refund")
        contact = self._invoice(self.customer_contact, 400)
        draft = self._invoice(self.debtor, 500, post=False)
        paid = self._invoice(self.debtor, 600)
        self._pay(paid)
        partial = self._invoice(self.debtor, 700)
        self._pay(partial, amount=100)
        old = self._invoice(self.debtor, 800, date_days=-120)
        small = self._invoice(self.debtor, 20)
        unapproved = self._invoice(
            self.env["res.partner"].create({"name": "Unknown", "is_company": True}), 900
        )
        disputed = self._invoice(self.second, 1100)
        self.env["credit.collection.dispute"].create(
            {
                "move_id": disputed.id,
                "reason_id": self.env.ref("credit_management.credit_dispute_reason_quality").id,
            }
        )
        in_case = self._invoice(self.second, 1200)
        self.env["credit.collection.case"].create(
            {
                "partner_id": self.second.id,
                "company_id": self.company.id,
                "item_ids": [
                    (
                        6,
                        0,
                        in_case.line_ids.filtered(
                            lambda ln: ln.account_type == "asset_receivable"
                        ).ids,
                    )
                ],
            }
        )
        ok_second = self._invoice(self.second, 1300)
        batch = self._batch()
        batch.action_add_documents()
        self.assertEqual(self._moves(batch), inv | refund | contact | ok_second)
        self.assertFalse(
            self._moves(batch)
            & (draft | paid | partial | old | small | unapproved | disputed | in_case)
        )
        line = batch.line_ids.filtered(lambda ln: ln.move_id == refund)
        self.assertEqual(
            (line.amount, line.move_type, line.partner_id), (-300, "out_refund", self.debtor)
        )
        self.assertEqual(batch.total_amount, 1000 - 300 + 400 + 1300)

    def test_rules_customers_risk_classes_countries(self):
        risk_class = self.env["credit.risk.class"].create({"name": "Good", "code": "GD"})
        self.second.with_company(self.company).credit_risk_class_id = risk_class
        a = self._invoice(self.debtor, 1000)
        b = self._invoice(self.second, 1000)
        self.contract.write({"risk_class_ids": [(6, 0, risk_class.ids)]})
        batch = self._batch()
        batch.action_add_documents()
        self.assertEqual(self._moves(batch), b)
        self.contract.write(
            {
                "risk_class_ids": [(5,)],
                "customer_ids": [(6, 0, self.debtor.ids)],
                "country_ids": [(6, 0, self.env.ref("base.be").ids)],
            }
        )
        batch.action_add_documents()
        self.assertEqual(self._moves(batch), b, "the debtor is French")
        self.contract.country_ids = self.env.ref("base.fr")
        batch.action_add_documents()
        self.assertEqual(self._moves(batch), a | b)

    def test_approval_room(self):
        older = self._invoice(self.debtor, 6000, date_days=-20)
        newer = self._invoice(self.debtor, 5000, date_days=-5)
        refund = self._invoice(self.debtor, 500, move_type="out_refund", date_days=-1)
        batch = self._batch()
        batch.action_add_documents()
        # 10,000 approved: the credit note, then the oldest invoices while they fit.
        self.assertEqual(self._moves(batch), refund | older)
        # The room is used by what other live batches hold.
        self.contract.approval_required = False
        other = self._batch()
        other.action_add_documents()
        self.assertEqual(self._moves(other), newer)
        self.contract.approval_required = True
        with self.assertRaisesRegex(UserError, "exceeds the factor's approval of: Customer"):
            other.action_generate()
        self.assertEqual(other.state, "draft")
        # Both batches hold the debtor's documents: neither fits until one goes.
        with self.assertRaisesRegex(UserError, "exceeds the factor's approval"):
            batch.action_generate()
        other.action_cancel()
        batch.action_generate()
        self.assertEqual(batch.state, "generated")
        self.assertEqual((batch.control_count, batch.control_total), (2, 5500))

    def test_approval_ended_checked_at_generate(self):
        self._invoice(self.debtor, 1000)
        batch = self._batch()
        batch.action_add_documents()
        self.approval.date_end = self.today - timedelta(days=1)
        with self.assertRaisesRegex(UserError, "exceeds the factor's approval"):
            batch.action_generate()


@tagged("post_install", "-at_install")
class TestOneLiveBatch(BatchCommon):
    def test_second_batch_does_not_take_the_document(self):
        inv = self._invoice(self.debtor, 1000)
        first = self._batch()
        first.action_add_documents()
        second = self._batch()
        second.action_add_documents([inv.id])
        self.assertFalse(second.line_ids)
        self.assertEqual(inv.factoring_state, "proposed")
        self.assertEqual(inv.factoring_batch_id, first)

    def test_database_refuses_a_second_live_line_orm(self):
        inv = self._invoice(self.debtor, 1000)
        first = self._batch()
        first.action_add_documents()
        second = self._batch()
        line = first.line_ids
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            privilege.granted(BATCH_ACTION),
        ):
            self.env["factoring.batch.line"].create(
                {
                    "batch_id": second.id,
                    "contract_id": self.contract.id,
                    "company_id": self.company.id,
                    "move_id": inv.id,
                    "partner_id": self.debtor.id,
                    "move_type": "out_invoice",
                    "currency_id": self.currency.id,
                    "amount": 1000,
                    "live": True,
                }
            )
            self.env.flush_all()
        self.assertTrue(line.live)

    def test_database_refuses_a_second_live_line_sql(self):
        inv = self._invoice(self.debtor, 1000)
        first = self._batch()
        first.action_add_documents()
        second = self._batch()
        self.env.flush_all()
        insert = SQL(
            """INSERT INTO factoring_batch_line (batch_id, contract_id, company_id, move_id,
                   partner_id, move_type, currency_id, amount, state, live, settle_state)
               VALUES (%s, %s, %s, %s, %s, 'out_invoice', %s, 1000, 'pending', TRUE, 'open')""",
            second.id,
            self.contract.id,
            self.company.id,
            inv.id,
            self.debtor.id,
            self.currency.id,
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env.execute_query(insert)
        # A line that is no longer live does not hold the document.
        self.env.execute_query(
            SQL("UPDATE factoring_batch_line SET live = FALSE WHERE id = %s", first.line_ids.id)
        )
        self.env.execute_query(insert)

    def test_rejection_gives_the_invoice_back(self):
        inv = self._invoice(self.debtor, 1000)
        kept = self._invoice(self.debtor, 2000)
        batch = self._batch()
        batch.action_add_documents()
        batch.action_generate()
        batch.action_send()
        self.assertEqual(inv.factoring_state, "submitted")
        batch.line_ids.filtered(lambda ln: ln.move_id == inv).action_reject("Debtor unknown")
        batch.action_acknowledge()
        self.assertEqual(batch.state, "partially_rejected")
        self.assertEqual((inv.factoring_state, kept.factoring_state), ("rejected", "assigned"))
        self.assertEqual(batch.line_count, 1)
        again = self._batch()
        again.action_add_documents()
        self.assertEqual(self._moves(again), inv)
        batch.action_fund()
        self.assertEqual(kept.factoring_state, "funded")

    def test_cancel_gives_every_document_back(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._batch()
        batch.action_add_documents()
        batch.action_generate()
        batch.action_cancel()
        self.assertEqual(batch.line_ids.mapped("state"), ["cancelled"])
        self.assertEqual(inv.factoring_state, "none")
        again = self._batch()
        again.action_add_documents()
        self.assertEqual(self._moves(again), inv)

    def test_removing_a_draft_line(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._batch()
        batch.action_add_documents()
        batch.line_ids.with_user(self.manager).unlink()
        self.assertEqual(inv.factoring_state, "none")
        batch.action_add_documents()
        batch.action_generate()
        with self.assertRaises(UserError):
            batch.line_ids.unlink()


@tagged("post_install", "-at_install")
class TestBatchGuards(BatchCommon):
    def test_rpc_write_of_state_refused(self):
        self._invoice(self.debtor, 1000)
        batch = self._batch()
        batch.action_add_documents()
        for user in (self.manager, self.accountant):
            with self.assertRaises(AccessError):
                batch.with_user(user).write({"state": "funded"})
            with self.assertRaises(AccessError):
                batch.line_ids.with_user(user).write({"live": False})
            with self.assertRaises(AccessError):
                batch.line_ids.move_id.with_user(user).write({"factoring_state": "none"})
        with self.assertRaises(AccessError):
            self.env["factoring.batch"].with_user(self.manager).create(
                {"contract_id": self.contract.id, "state": "sent"}
            )
        self.assertEqual(batch.state, "draft")

    def test_state_order(self):
        self._invoice(self.debtor, 1000)
        batch = self._batch()
        with self.assertRaisesRegex(UserError, "is Draft"):
            batch.action_send()
        batch.action_add_documents()
        with self.assertRaisesRegex(UserError, "is Draft"):
            batch.action_fund()

    def test_only_managers_send(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._batch(user=self.accountant)
        self.assertEqual(batch.with_user(self.controller).name, batch.name)
        with self.assertRaises(AccessError):
            batch.with_user(self.controller).action_add_documents()
        batch.with_user(self.accountant).action_add_documents()
        with self.assertRaises(AccessError):
            batch.with_user(self.controller).action_generate()
        batch.with_user(self.manager).action_generate()
        batch.with_user(self.accountant).action_send()
        self.assertEqual(batch.state, "sent")
        self.assertEqual(inv.with_user(self.controller).factoring_state, "submitted")

    def test_invoicing_user_sees_nothing(self):
        inv = self._invoice(self.debtor, 1000)
        batch = self._batch()
        batch.action_add_documents()
        with self.assertRaises(AccessError):
            batch.with_user(self.salesman).read(["name"])
        with self.assertRaises(AccessError):
            inv.with_user(self.salesman).read(["factoring_state"])
        self.assertEqual(inv.with_user(self.salesman).name, inv.name)

    def test_other_company(self):
        other = self.env["res.company"].create({"name": "Other Factoring Co"})
        contract = self.env["factoring.contract"].create(
            {
                "name": "Foreign",
                "company_id": other.id,
                "factor_id": self.factor.id,
                "mode": "confidential",
                "currency_id": other.currency_id.id,
            }
        )
        foreign = (
            self.env["factoring.batch"].with_company(other).create({"contract_id": contract.id})
        )
        self.assertNotIn(foreign, self.env["factoring.batch"].with_user(self.manager).search([]))
        with self.assertRaises(AccessError):
            foreign.with_user(self.manager).action_add_documents()
