import csv
import io
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_dunning import DunningCommon


class CollectionCommon(DunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Case = cls.env["credit.collection.case"]
        cls.stage = {
            kind: cls.Case._stage(kind)
            for kind in (
                "open",
                "contacted",
                "promised",
                "plan",
                "disputed",
                "legal",
                "written_off",
                "closed",
            )
        }
        cls.reason = cls.env.ref("credit_management.credit_dispute_reason_quality")
        cls.company.credit_promise_grace_days = 3

    def _item(self, invoice):
        return invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")

    def _case(self, partner=None):
        return self.Case._for_partner(partner or self.customer, self.company)

    def _excluded(self, item):
        Exclusion = self.env["credit.dunning.exclusion"]
        Exclusion.invalidate_model()  # a live view: read it anew
        row = Exclusion.search([("move_line_id", "=", item.id)])
        return row.reason_code

    def _writeoff_accounts(self):
        self.company.credit_writeoff_journal_id = self.company_data["default_journal_misc"]
        self.company.credit_writeoff_account_id = self.company_data["default_account_expense"]

    def _writeoff(self, case, reason, items=None):
        self._writeoff_accounts()
        wizard = (
            self.env["credit.writeoff.wizard"]
            .with_context(default_case_id=case.id)
            .create({"reason": reason})
        )
        if items is not None:
            wizard.item_ids = items
        action = wizard.action_confirm()
        return self.env["account.move"].browse(action["res_id"])


@tagged("post_install", "-at_install")
class TestCaseStages(CollectionCommon):
    def test_case_from_partner_covers_open_items_and_is_unique(self):
        late = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        not_due = self._invoice(self.customer, 400, due_days=10)
        self._invoice(self.env["res.partner"].create({"name": "Other"}), 999, due_days=-20)
        action = self.customer_contact.action_credit_open_case()
        case = self.Case.browse(action["res_id"])
        self.assertEqual(case.partner_id, self.customer)
        self.assertEqual(case.stage_id, self.stage["open"])
        self.assertEqual(case.item_ids, self._item(late) | self._item(not_due))
        self.assertEqual(case.amount_due, 1400)
        self.assertEqual(case.amount_overdue, 1000)
        self.assertEqual(case.days_late, 20)
        self.assertTrue(case.name.startswith("CASE/"))
        # The customer has one open case: asking again gives the same one.
        self.assertEqual(self._case(), case)
        self.assertEqual(self.customer.credit_open_case_count, 1)
        with (
            self.assertRaises(IntegrityError),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.Case.create({"partner_id": self.customer.id}).flush_recordset()

    def test_every_stage_transition(self):
        invoice = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        case = self._case()
        self.assertEqual(case.stage_type, "open")
        case.action_log_contact()
        self.assertEqual((case.stage_type, case.last_contact_date), ("contacted", self.today))
        promise = self.env["credit.collection.promise"].create(
            {"case_id": case.id, "amount": 500, "date": self.today + timedelta(days=5)}
        )
        self.assertEqual(case.stage_type, "promised")
        promise.action_cancel()
        self.assertEqual(case.stage_type, "contacted")
        plan = self.env["credit.collection.plan"].create(
            {"case_id": case.id, "installment_number": 2, "first_date": self.today}
        )
        plan.action_generate_installments()
        plan.action_confirm()
        self.assertEqual(case.stage_type, "plan")
        dispute = self.env["credit.collection.dispute"].create(
            {"move_id": invoice.id, "reason_id": self.reason.id, "case_id": case.id}
        )
        self.assertEqual(case.stage_type, "disputed")
        dispute.resolution_note = "Goods were checked on delivery."
        dispute.action_reject()
        # The running plan is what the case is about again.
        self.assertEqual(case.stage_type, "plan")
        plan.action_cancel()
        self.assertEqual(case.stage_type, "contacted")
        agency = self.env["res.partner"].create({"name": "Agency", "email": "a@example.com"})
        self.env["credit.collection.handover"].create(
            {"case_id": case.id, "partner_id": agency.id, "handover_type": "agency"}
        ).action_confirm()
        self.assertEqual(case.stage_type, "legal")
        self.assertEqual((case.handover_type, case.handover_partner_id), ("agency", agency))
        self._writeoff(case, "Debtor insolvent")
        self.assertEqual(case.stage_type, "written_off")
        self.assertEqual(case.date_closed, self.today)
        case.action_reopen()
        self.assertEqual(case.stage_type, "open")
        self.assertFalse(case.date_closed)
        case.action_close()
        self.assertEqual(case.stage_type, "closed")

    def test_case_closes_when_everything_is_paid(self):
        first = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        second = self._invoice(self.customer, 300, due_days=-5, date_days=-35)
        case = self._case()
        self._pay(first)
        self.assertEqual(case.stage_type, "open")
        self.assertEqual(case.amount_due, 300)
        self._pay(second)
        self.assertEqual(case.stage_type, "closed")
        self.assertEqual(case.amount_due, 0)
        self.assertEqual(case.priority, 0)
        # A new case may be opened for the customer afterwards.
        self._invoice(self.customer, 50, due_days=-1)
        self.assertNotEqual(self._case(), case)

    def test_case_from_invoice_and_from_final_dunning_level(self):
        invoice = self._invoice(self.customer, 1000, due_days=-70, date_days=-100)
        action = invoice.action_credit_open_case()
        case = self.Case.browse(action["res_id"])
        self.assertIn(self._item(invoice), case.item_ids)
        case.action_close()
        self.policy.skip_levels = True
        self.final.open_case = True
        self.final.phone_user_id = self.controller
        run = self._run()
        self.assertEqual(self._comm(run).level_id, self.final)
        opened = self._case()
        self.assertNotEqual(opened, case)
        self.assertEqual(opened.item_ids, self._item(invoice))
        self.assertEqual(opened.user_id, self.controller)
        self.assertTrue(
            opened.activity_ids.filtered(lambda a: a.user_id == self.controller),
            "the collector is asked to work the new case",
        )


@tagged("post_install", "-at_install")
class TestPromises(CollectionCommon):
    def _promise(self, amount, days=5, **values):
        return self.env["credit.collection.promise"].create(
            {
                "partner_id": self.customer.id,
                "amount": amount,
                "date": self.today + timedelta(days=days),
                **values,
            }
        )

    def test_promise_kept_by_a_reconciled_payment(self):
        invoice = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        promise = self._promise(600)
        case = promise.case_id
        self.assertEqual(case.partner_id, self.customer, "recorded on the customer: case opened")
        self.assertEqual(promise.item_ids, self._item(invoice))
        self._pay(invoice, 400)
        self.assertEqual(promise.state, "open", "400 of 600 received")
        self.assertEqual(promise.paid_amount, 400)
        self._pay(invoice, 200)
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.date_decided, self.today)
        self.assertEqual(case.stage_type, "contacted")

    def test_promise_broken_after_grace_days(self):
        self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        promise = self._promise(600, days=2)
        case = promise.case_id
        case.user_id = self.controller
        priority = case.priority
        promise._decide(today=self.today + timedelta(days=5))  # 2 + 3 grace days: still open
        self.assertEqual(promise.state, "open")
        promise._decide(today=self.today + timedelta(days=6))
        self.assertEqual(promise.state, "broken")
        self.assertEqual(case.broken_promise_count, 1)
        self.assertGreater(case.priority, priority)
        self.assertEqual(case.stage_type, "contacted")
        activity = case.activity_ids.filtered(lambda a: a.user_id == self.controller)
        self.assertEqual(activity.summary, "Broken promise")

    def test_credit_note_does_not_keep_a_promise(self):
        invoice = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        promise = self._promise(500, days=1)
        refund = self._invoice(self.customer, 500, move_type="out_refund")
        (self._item(invoice) | self._item(refund)).reconcile()
        self.assertEqual(invoice.amount_residual, 500)
        self.assertEqual(promise.paid_amount, 0)
        promise._decide(today=self.today + timedelta(days=10))
        self.assertEqual(promise.state, "broken")

    def test_promise_validation(self):
        invoice = self._invoice(self.customer, 1000, due_days=-20)
        with self.assertRaises(ValidationError):
            self._promise(0)
        with self.assertRaises(ValidationError):
            self._promise(100, days=-1)
        other = self._invoice(self.env["res.partner"].create({"name": "Other"}), 100)
        with self.assertRaises(ValidationError):
            self._promise(
                100, item_ids=[Command.set((self._item(invoice) | self._item(other)).ids)]
            )
        self.assertFalse(self.env["credit.collection.promise"].search([]))

    def test_cron_decides_promises(self):
        self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        promise = self._promise(600, days=0)
        promise.date_recorded = self.today - timedelta(days=10)
        promise.date = self.today - timedelta(days=4)
        self.Case._cron_collections()
        self.assertEqual(promise.state, "broken")


@tagged("post_install", "-at_install")
class TestPaymentPlans(CollectionCommon):
    def _plan(self, amount=1200, count=3):
        invoice = self._invoice(self.customer, amount, due_days=-20, date_days=-50)
        plan = self.env["credit.collection.plan"].create(
            {
                "partner_id": self.customer.id,
                "installment_number": count,
                "first_date": self.today + timedelta(days=1),
            }
        )
        plan.action_generate_installments()
        return invoice, plan

    def test_installments_must_add_up(self):
        _invoice, plan = self._plan(1000)
        self.assertEqual(plan.installment_ids.mapped("amount"), [333.33, 333.33, 333.34])
        first = self.today + timedelta(days=1)
        self.assertEqual(
            plan.installment_ids.mapped("date"),
            [first, first + relativedelta(months=1), first + relativedelta(months=2)],
        )
        plan.installment_ids[2].amount = 300
        with self.assertRaises(ValidationError):
            plan.action_confirm()
        self.assertEqual(plan.state, "draft")
        plan.installment_ids[2].amount = 333.34
        plan.action_confirm()
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.case_id.stage_type, "plan")

    def test_plan_kept_when_paid(self):
        invoice, plan = self._plan(1200)
        plan.action_confirm()
        self._pay(invoice, 400)
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.installment_ids.mapped("status"), ["paid", "due", "due"])
        self._pay(invoice, 800)
        self.assertEqual(plan.state, "kept")
        self.assertEqual(plan.case_id.stage_type, "closed", "everything paid")

    def test_missed_installment_breaks_plan_and_escalates(self):
        invoice, plan = self._plan(1200)
        plan.action_confirm()
        case = plan.case_id
        case.user_id = self.controller
        self._pay(invoice, 400)
        second = plan.installment_ids[1].date
        plan._decide(today=second + timedelta(days=3))  # within the grace days
        self.assertEqual(plan.state, "active")
        plan._decide(today=second + timedelta(days=4))
        self.assertEqual(plan.state, "broken")
        self.assertTrue(case.escalated)
        self.assertEqual(case.stage_type, "open")
        self.assertTrue(case.activity_ids.filtered(lambda a: a.summary == "Payment plan broken"))


@tagged("post_install", "-at_install")
class TestDisputes(CollectionCommon):
    def test_dispute_credit_note_resolves_it(self):
        invoice = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        dispute = self.env["credit.collection.dispute"].create(
            {"move_id": invoice.id, "reason_id": self.reason.id, "amount": 400}
        )
        self.assertTrue(invoice.credit_disputed)
        self.assertEqual(dispute.case_id.kind, "dispute", "no open customer case: its own case")
        self.assertEqual(self.customer.credit_disputed_amount, 1000)
        action = dispute.action_create_credit_note()
        refund = self.env["account.move"].browse(action["res_id"])
        self.assertEqual((refund.move_type, refund.state), ("out_refund", "draft"))
        self.assertAlmostEqual(refund.amount_total, 400)
        self.assertEqual(dispute.state, "open")
        refund.action_post()
        self.assertEqual(dispute.state, "credited")
        self.assertEqual(invoice.amount_residual, 600)
        self.assertFalse(invoice.credit_disputed)
        self.customer.invalidate_recordset(["credit_disputed_amount"])
        self.assertEqual(self.customer.credit_disputed_amount, 0)
        self.assertEqual(dispute.case_id.stage_type, "open")

    def test_dispute_validation_and_rejection(self):
        invoice = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        Dispute = self.env["credit.collection.dispute"]
        with self.assertRaises(ValidationError):
            Dispute.create({"move_id": invoice.id, "reason_id": self.reason.id, "amount": 1001})
        draft = self._invoice(self.customer, 100, post=False)
        with self.assertRaises(ValidationError):
            Dispute.create({"move_id": draft.id, "reason_id": self.reason.id})
        case = self._case()
        dispute = Dispute.create({"move_id": invoice.id, "reason_id": self.reason.id})
        self.assertEqual(dispute.case_id, case, "joins the customer's open case")
        self.assertEqual(dispute.amount, 1000)
        with self.assertRaises(UserError):
            dispute.action_reject()  # no resolution written
        dispute.resolution_note = "Delivery note signed without reservation."
        dispute.action_reject()
        self.assertEqual((dispute.state, dispute.resolved_by_id), ("rejected", self.env.user))
        self.assertEqual(case.stage_type, "open")

    def test_exposure_report_shows_disputed_apart(self):
        invoice = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        self._invoice(self.customer, 300, due_days=10)
        self.env["credit.collection.dispute"].create(
            {"move_id": invoice.id, "reason_id": self.reason.id}
        )
        row = self.env["credit.exposure"].search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual((row.exposure, row.disputed), (1300, 1000))


@tagged("post_install", "-at_install")
class TestDunningExclusions(CollectionCommon):
    def test_promise_plan_and_dispute_leave_dunning_while_active(self):
        promised = self._invoice(self.customer, 100, due_days=-20, date_days=-50)
        planned = self._invoice(self.customer, 200, due_days=-20, date_days=-50)
        disputed = self._invoice(self.customer, 300, due_days=-20, date_days=-50)
        free = self._invoice(self.customer, 400, due_days=-20, date_days=-50)
        promise = self.env["credit.collection.promise"].create(
            {
                "partner_id": self.customer.id,
                "amount": 100,
                "date": self.today + timedelta(days=3),
                "item_ids": [Command.set(self._item(promised).ids)],
            }
        )
        plan = self.env["credit.collection.plan"].create(
            {
                "partner_id": self.customer.id,
                "item_ids": [Command.set(self._item(planned).ids)],
                "installment_ids": [Command.create({"date": self.today, "amount": 200})],
            }
        )
        self.assertFalse(self._excluded(self._item(planned)), "a draft plan does not pause")
        plan.action_confirm()
        dispute = self.env["credit.collection.dispute"].create(
            {"move_id": disputed.id, "reason_id": self.reason.id}
        )
        self.assertEqual(self._excluded(self._item(promised)), "promise")
        self.assertEqual(self._excluded(self._item(planned)), "plan")
        self.assertEqual(self._excluded(self._item(disputed)), "dispute")
        self.assertFalse(self._excluded(self._item(free)))
        run = self._run()
        self.assertEqual(self._comm(run).line_ids.move_id, free)
        self.assertIn("Disputed", run.stats_html)
        # Once they end, the items are dunned again.
        promise._decide(today=self.today + timedelta(days=7))
        plan._decide(today=self.today + timedelta(days=4))
        dispute.resolution_note = "Unfounded."
        dispute.action_reject()
        for invoice in (promised, planned, disputed):
            self.assertFalse(self._excluded(self._item(invoice)))


@tagged("post_install", "-at_install")
class TestWriteoff(CollectionCommon):
    def test_writeoff_entry_and_reversal(self):
        first = self._invoice(self.customer, 1000, due_days=-200, date_days=-230)
        second = self._invoice(self.customer, 500, due_days=-100, date_days=-130)
        case = self._case()
        self._pay(first, 250)
        move = self._writeoff(case, "Prescribed", items=self._item(first))
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.credit_writeoff_case_id, case)
        expense = move.line_ids.filtered(lambda line: line.debit)
        self.assertEqual(
            (expense.account_id, expense.debit),
            (self.company_data["default_account_expense"], 750),
        )
        self.assertEqual(first.payment_state, "paid")
        self.assertEqual(second.amount_residual, 500)
        self.assertEqual(case.stage_type, "open", "the second invoice is still due")
        self.assertEqual(case.amount_written_off, 750)
        move.action_credit_reverse_writeoff()
        self.assertEqual(first.amount_residual, 750)
        self.assertEqual(case.amount_written_off, 0)
        self.assertEqual(case.amount_due, 1250)

    def test_only_managers_write_off(self):
        self._invoice(self.customer, 1000, due_days=-200, date_days=-230)
        case = self._case()
        case.user_id = self.controller
        with self.assertRaises(UserError):
            case.with_user(self.controller).action_writeoff()
        self._writeoff_accounts()
        wizard = self.env["credit.writeoff.wizard"].create({"case_id": case.id, "reason": "x"})
        with self.assertRaises(AccessError):
            wizard.with_user(self.controller).action_confirm()
        self.assertFalse(case.writeoff_move_ids)


@tagged("post_install", "-at_install")
class TestWorklistAndAccess(CollectionCommon):
    def test_worklist_order(self):
        big = self.env["res.partner"].create({"name": "Big late"})
        small = self.env["res.partner"].create({"name": "Small recent"})
        liar = self.env["res.partner"].create({"name": "Broke promises"})
        self._invoice(big, 50000, due_days=-90, date_days=-120)
        self._invoice(small, 200, due_days=-3, date_days=-33)
        self._invoice(liar, 200, due_days=-3, date_days=-33)
        cases = {p: self._case(p) for p in (big, small, liar)}
        cases[liar].broken_promise_count = 2
        worklist = self.Case.search([("partner_id", "in", [big.id, small.id, liar.id])])
        self.assertEqual(worklist.partner_id, big | liar | small)
        self.assertEqual(list(worklist.mapped("partner_id")), [big, liar, small])
        # A riskier class lifts a case by its collection weight.
        before = cases[small].priority
        risky = self.env["credit.risk.class"].create(
            {"name": "Risky", "code": "R", "collection_weight": 10}
        )
        small.with_company(self.company).credit_risk_class_id = risky
        self.Case._cron_collections()
        self.assertAlmostEqual(cases[small].priority, before + 10, places=1)

    def test_collectors_see_own_and_team_cases_per_company(self):
        colleague = new_test_user(
            self.env,
            login="collector2",
            groups="base.group_user,credit_management.group_credit_control_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        outsider = new_test_user(
            self.env,
            login="collector3",
            groups="base.group_user,credit_management.group_credit_control_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        team = self.env["credit.collection.team"].create(
            {"name": "Team", "member_ids": [Command.set((self.controller | colleague).ids)]}
        )
        partners = self.env["res.partner"].create([{"name": f"P{i}"} for i in range(4)])
        for partner in partners:
            self._invoice(partner, 100, due_days=-10)
        own = self._case(partners[0])
        own.write({"user_id": self.controller.id, "team_id": False})
        teammate = self._case(partners[1])
        teammate.write({"user_id": colleague.id, "team_id": team.id})
        foreign = self._case(partners[2])
        foreign.write({"user_id": outsider.id, "team_id": False})
        other_company = self.setup_other_company(name="Other Collections Co")["company"]
        self.controller.company_ids += other_company
        elsewhere = self.Case.with_company(other_company).create(
            {
                "partner_id": partners[3].id,
                "company_id": other_company.id,
                "user_id": self.controller.id,
                "team_id": False,
            }
        )
        visible = (
            self.Case.with_user(self.controller)
            .with_context(allowed_company_ids=self.company.ids)
            .search([("partner_id", "in", partners.ids)])
        )
        self.assertEqual(visible, own | teammate, "own, team, and only the current company's")
        in_both = self.Case.with_user(self.controller).with_context(
            allowed_company_ids=(self.company | other_company).ids
        )
        self.assertIn(elsewhere, in_both.search([("partner_id", "in", partners.ids)]))
        with self.assertRaises(AccessError):
            foreign.with_user(self.controller).read(["name"])
        self.assertEqual(
            self.Case.with_user(self.manager).search([("partner_id", "in", partners.ids)]),
            own | teammate | foreign,
            "managers see every case of their companies",
        )
        self.assertNotIn(elsewhere, self.Case.with_user(self.manager).search([]))
        # Another collector's customer: told who works it, no second case.
        with self.assertRaisesRegex(UserError, "already has a collection case"):
            self.Case.with_user(self.controller)._for_partner(partners[2], self.company)
        salesman_cases = self.Case.with_user(self.salesman)
        with self.assertRaises(AccessError):
            salesman_cases.search([])


@tagged("post_install", "-at_install")
class TestCaseDocuments(CollectionCommon):
    def test_statement_and_case_file(self):
        late = self._invoice(self.customer, 1000, due_days=-45, date_days=-75)
        self._invoice(self.customer, 300, due_days=10)
        case = self._case()
        self.assertEqual(
            case._statement_aging(),
            {"not_due": 300, "1_30": 0, "31_60": 1000, "61_90": 0, "over_90": 0},
        )
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("credit_management.action_report_customer_statement", case.ids)[0]
            .decode()
        )
        self.assertIn(late.name, html)
        self.assertIn("Statement of Account", html)
        agency = self.env["res.partner"].create({"name": "Agency", "email": "a@example.com"})
        self.env["credit.collection.handover"].create(
            {"case_id": case.id, "partner_id": agency.id, "handover_type": "legal", "send": True}
        ).action_confirm()
        message = case.message_ids[0]
        self.assertEqual(message.partner_ids, agency)
        csv_file = message.attachment_ids.filtered(lambda a: a.mimetype == "text/csv")
        case_file = message.attachment_ids - csv_file
        # A PDF where wkhtmltopdf renders it, else (tests) the HTML it would print.
        if case_file.mimetype == "text/html":
            self.assertIn(case.name, case_file.raw.decode())
            self.assertIn("Case File", case_file.raw.decode())
        else:
            self.assertTrue(case_file.raw.startswith(b"%PDF"))
        rows = list(csv.DictReader(io.StringIO(csv_file.raw.decode())))
        self.assertEqual(
            sorted(r["document"] for r in rows), sorted(case.item_ids.move_id.mapped("name"))
        )
        self.assertEqual({r["customer"] for r in rows}, {"Customer Ltd"})

    def test_send_statement_counts_as_contact(self):
        self._invoice(self.customer, 1000, due_days=-45, date_days=-75)
        self.customer.email = "customer@example.com"
        case = self._case()
        action = case.action_send_statement()
        composer = self.env["mail.compose.message"].with_context(**action["context"]).create({})
        self.assertIn("statement", composer.subject.lower())
        self.assertEqual(len(composer.attachment_ids), 1)
        composer._action_send_mail()
        self.assertEqual(case.last_contact_date, self.today)
        self.assertEqual(case.stage_type, "contacted")
