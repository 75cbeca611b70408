import csv
import io
from datetime import timedelta
from email.message import EmailMessage

import openpyxl

from odoo import Command
from odoo.addons.credit_management.tests.test_dunning import DunningCommon
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools.pdf import PdfFileReader

from .common import InsuranceCommon


class ClaimCommon(InsuranceCommon, DunningCommon):
    """The insurer sandbox and the dunning levels of credit_management's
    tests: a French customer with two overdue invoices (30,000 and 40,000)
    and one not yet due, reminded, with a collection case."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Claim = cls.env["credit.insurance.claim"]
        cls.Case = cls.env["credit.collection.case"]

    def _book(self):
        self.late = self._invoice(self.customer, 30000, due_days=-70, date_days=-100)
        self.later = self._invoice(self.customer_contact, 40000, due_days=-40, date_days=-70)
        self.not_due = self._invoice(self.customer, 5000, due_days=10, date_days=-5)
        self.reminder = self._comm(self._run())
        self.assertEqual(self.reminder.state, "sent")
        self.case = self.Case._for_partner(self.customer, self.company)
        self.case.user_id = self.controller  # collectors see their own cases
        self.case.message_post(body="Debtor promised to pay after its audit; nothing came.")

    def _request(self, *args, **kwargs):
        result = super()._request(*args, **kwargs)
        if result._name == "credit.insurance.cover":
            # Decided before the claimed deliveries (invoiced up to 100 days ago):
            # a delivery is insured by the cover in force on its invoice date.
            result.event_ids.sudo().write({"effective_date": self.today - timedelta(days=365)})
        return result

    def _items(self, *moves):
        return (
            self.env["account.move"]
            .concat(*moves)
            .line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        )

    def _claim(self, policy, user=None, **vals):
        return self.Claim.with_user(user or self.controller).create(
            {"policy_id": policy.id, "partner_id": self.customer_contact.id, **vals}
        )

    def _sent_claim(self):
        self._request(self.atradius_policy, 50000)
        self._book()
        claim = self._claim(self.atradius_policy)
        claim.action_submit()
        self.assertEqual(claim.state, "submitted")
        return claim


@tagged("post_install", "-at_install")
class TestClaimFigures(ClaimCommon):
    def test_insured_by_the_cover_in_force_at_delivery(self):
        cover = self._request(self.atradius_policy, 50000)
        self._book()
        # The insurer withdraws the limit just before the claim: the deliveries
        # made under the cover stay insured.
        self.sandbox.decide(cover.insurer_ref, 0, kind="CANCELLATION")
        self.atradius._sync()
        self.assertEqual(cover.state, "withdrawn")
        cover.event_ids.sudo().filtered(lambda e: e.answer == "withdrawn").write(
            {"effective_date": self.today - timedelta(days=5)}
        )
        claim = self._claim(self.atradius_policy)
        self.assertEqual(
            (claim.amount_claimed, claim.cover_limit, claim.amount_covered, claim.amount_insured),
            (70000, 50000, 50000, 45000),
        )
        # A delivery after the withdrawal is claimed, not insured.
        after = self._invoice(self.customer, 8000, due_days=-1, date_days=-2)
        claim.item_ids |= self._items(after)
        claim.action_recompute()
        self.assertEqual((claim.amount_claimed, claim.amount_covered), (78000, 50000))
        cover.event_ids.sudo().filtered(lambda e: e.answer == "approved").write(
            {"effective_date": self.today - timedelta(days=80)}
        )
        claim.action_recompute()  # the 30,000 invoiced 100 days ago was never insured
        self.assertEqual((claim.amount_claimed, claim.amount_covered), (78000, 40000))

    def test_an_expired_cover_insures_nothing(self):
        """A delivery made after the cover's decision expired is not
        insured (without a discretionary limit), as in the overdue worklist."""
        cover = self._request(self.atradius_policy, 50000)
        self._book()
        cover.event_ids.sudo().filtered(lambda e: e.answer == "approved").write(
            {
                "effective_date": self.today - timedelta(days=120),
                "expiry_date": self.today - timedelta(days=85),
            }
        )
        claim = self._claim(self.atradius_policy)
        # Invoiced 100 days ago: insured; 70 days ago: after the expiry.
        self.assertEqual(
            (claim.amount_claimed, claim.cover_limit, claim.amount_covered),
            (70000, 50000, 30000),
        )
        # The cover's own expiry counts for a decision without one.
        cover.event_ids.sudo().expiry_date = False
        cover.sudo().expiry_date = self.today - timedelta(days=101)
        claim.action_recompute()
        self.assertEqual((claim.cover_limit, claim.amount_covered), (0, 0))
        # With a discretionary limit, the policyholder's own judgement insures.
        self.atradius_policy.discretionary_limit = 20000
        claim.action_recompute()
        self.assertEqual((claim.cover_limit, claim.amount_covered), (20000, 20000))

    def test_items_figures_and_documents(self):
        self._request(self.atradius_policy, 50000)
        self._book()
        claim = self._claim(self.atradius_policy)
        self.assertTrue(claim.name.startswith("CLAIM/"))
        self.assertEqual(claim.partner_id, self.customer, "claimed on the commercial partner")
        self.assertEqual(claim.item_ids, self._items(self.late, self.later), "overdue items only")
        self.assertEqual(claim.case_id, self.case)
        self.assertEqual(claim.buyer_id.insurer_ref, self.customer_ref)
        self.assertEqual(claim.cover_id.amount, 50000)
        # 90 % of the covered part: the claim is capped by the cover.
        self.assertEqual(
            (
                claim.amount_claimed,
                claim.cover_limit,
                claim.amount_covered,
                claim.indemnity_percent,
                claim.amount_insured,
            ),
            (70000, 50000, 50000, 90, 45000),
        )
        claim.item_ids -= self._items(self.later)
        self.assertEqual((claim.amount_claimed, claim.amount_insured), (30000, 27000))
        claim.action_add_overdue_items()
        self.assertEqual(claim.amount_claimed, 70000)

        claim.action_collect_documents()
        docs = {
            kind: claim.document_ids.filtered(lambda a, k=kind: a.description == k)
            for kind in ("invoice", "reminder", "case_file")
        }
        self.assertEqual(len(docs["invoice"]), 2)
        for move in (self.late, self.later):
            document = docs["invoice"].filtered(
                lambda a, m=move: a.name.startswith(m.name.replace("/", "_"))
            )
            self.assertEqual(len(document), 1)
            self.assertIn(move.name, document.raw.decode())
        self.assertEqual(len(docs["reminder"]), 1)
        self.assertIn(self.late.name, docs["reminder"].raw.decode())
        # Odoo stores HTML of non-administrators as text (PDF outside tests).
        html, csv_file = docs["case_file"].sorted(lambda a: a.name.endswith(".csv"))
        self.assertIn("promised to pay after its audit", html.raw.decode())
        self.assertIn(self.later.name, csv_file.raw.decode())
        # Collected again: replaced, not doubled.
        claim.action_collect_documents()
        self.assertEqual(len(claim.document_ids), 5)
        self.assertEqual(claim.document_count, 5)

    def test_documents_are_real_pdfs(self):
        self._request(self.atradius_policy, 50000)
        self._book()
        claim = self._claim(self.atradius_policy)
        claim.with_context(force_report_rendering=True).action_collect_documents()
        pdfs = claim.document_ids.filtered(lambda a: a.mimetype == "application/pdf")
        self.assertEqual(len(pdfs), 4, "two invoices, a reminder and the case file")
        invoice = pdfs.filtered(lambda a: a.name.startswith(self.late.name.replace("/", "_")))
        self.assertTrue(invoice.name.endswith(".pdf"))
        # The invoice layout draws its web fonts as shapes: no text to read back.
        self.assertEqual(len(PdfFileReader(io.BytesIO(invoice.raw)).pages), 1)
        case_file = pdfs.filtered(lambda a: a.description == "case_file")
        self.assertGreaterEqual(len(PdfFileReader(io.BytesIO(case_file.raw)).pages), 1)

    def test_items_of_the_customer_only(self):
        self._book()
        other = self.env["res.partner"].create({"name": "Someone Else", "is_company": True})
        stranger = self._invoice(other, 100, due_days=-30, date_days=-40)
        with self.assertRaises(ValidationError):
            self._claim(self.atradius_policy, item_ids=[Command.set(self._items(stranger).ids)])
        claim = self._claim(self.atradius_policy)
        with self.assertRaises(ValidationError):
            claim.item_ids |= self._items(stranger)
        draft = self._invoice(self.customer, 100, due_days=-30, date_days=-40, post=False)
        with self.assertRaises(ValidationError):
            claim.item_ids |= self._items(draft)
        other_case = self.Case._for_partner(other, self.company)
        with self.assertRaises(ValidationError):
            claim.case_id = other_case

    def test_items_claimed_once(self):
        """An item held by a live claim is neither proposed nor accepted in
        another one; withdrawn, the claim releases it."""
        self._book()
        first = self._claim(self.atradius_policy)
        self.assertEqual(first.item_ids, self._items(self.late, self.later))
        second = self._claim(self.atradius_policy)
        self.assertFalse(second.item_ids, "items already claimed are left out")
        second.action_add_overdue_items()
        self.assertFalse(second.item_ids)
        with self.assertRaisesRegex(ValidationError, first.name), self.env.cr.savepoint():
            second.item_ids = self._items(self.late)
        with self.assertRaisesRegex(ValidationError, first.name), self.env.cr.savepoint():
            self._claim(self.atradius_policy, item_ids=[Command.set(self._items(self.later).ids)])
        self.env.invalidate_all()
        self.assertFalse(second.item_ids)
        first.with_user(self.controller).action_withdraw()
        second.action_add_overdue_items()
        self.assertEqual(second.item_ids, self._items(self.late, self.later))


@tagged("post_install", "-at_install")
class TestClaimSubmission(ClaimCommon):
    def test_atradius_submitted_reviewed_and_paid(self):
        self._request(self.atradius_policy, 50000)
        self._book()
        claim = self._claim(self.atradius_policy)
        claim.action_submit()
        self.assertEqual(claim.state, "submitted")
        self.assertEqual(claim.user_submitted_id, self.controller)
        self.assertTrue(claim.insurer_ref.startswith("K"))
        sent = self.sandbox.claims[claim.insurer_ref]
        self.assertEqual(sent["amount"], 70000)
        self.assertEqual(sent["invoices"], {self.late.name, self.later.name})
        self.assertEqual(len(sent["documents"]), 5, "collected at submission")
        # Frozen: items, figures, documents and state.
        with self.assertRaises(UserError):
            claim.item_ids -= self._items(self.later)
        with self.assertRaises(UserError):
            claim.action_collect_documents()
        for vals in ({"state": "paid"}, {"amount_insured": 70000}, {"amount_paid": 1}):
            with self.assertRaises(AccessError):
                claim.with_user(self.manager).write(vals)
        with self.assertRaises(UserError):
            claim.unlink()
        # The insurer moves on: review, then payment.
        self.sandbox.decide_claim(claim.insurer_ref, "IN_ASSESSMENT")
        claim.action_refresh()
        self.assertEqual((claim.state, claim.date_review), ("under_review", self.today))
        self.sandbox.decide_claim(claim.insurer_ref, "SETTLED", paid=45000, message="Paid in full.")
        claim.action_refresh()
        self.assertEqual(claim.state, "paid")
        self.assertEqual(
            (claim.amount_paid, claim.date_paid, claim.date_decision),
            (45000, self.today, self.today),
        )
        self.assertEqual(claim.insurer_message, "Paid in full.")

    def test_documents_of_a_claim_sent_are_kept(self):
        """Through ir.attachment too: a draft's documents may change; once
        the claim is submitted, those sent are neither changed, moved nor
        deleted, by its collector, a manager or the chatter."""
        self._request(self.atradius_policy, 50000)
        self._book()
        claim = self._claim(self.atradius_policy)
        claim.action_collect_documents()
        Attachment = self.env["ir.attachment"].with_user(self.controller)
        on_claim = {"res_model": claim._name, "res_id": claim.id}
        # A draft: its documents are worked on.
        draft_doc = claim.document_ids.filtered(lambda a: a.description == "invoice")[:1]
        draft_doc.with_user(self.controller).write({"name": "renamed.html"})
        draft_doc.with_user(self.controller).unlink()
        Attachment.create({"name": "letter.txt", "raw": b"Registered letter", **on_claim})
        claim.action_submit()
        self.assertEqual(claim.state, "submitted")
        documents = claim.document_ids
        self.assertEqual(claim.sent_document_ids, documents)
        self.assertIn("letter.txt", documents.mapped("name"), "sent with the claim")
        checksums = documents.mapped("checksum")
        doc = documents[0]
        for user in (self.controller, self.manager):
            for change in (
                lambda d: d.write({"raw": b"forged"}),
                lambda d: d.write({"name": "other.pdf"}),
                lambda d: d.write({"res_model": "res.partner", "res_id": self.customer.id}),
                lambda d: d.unlink(),
            ):
                with self.assertRaisesRegex(UserError, "kept as sent"):
                    change(doc.with_user(user))
        with self.assertRaisesRegex(UserError, "kept as sent"):
            claim.with_user(self.controller).write({"document_ids": [Command.unlink(doc.id)]})
        # The chatter and the mail gateway write attachments as the superuser.
        with self.assertRaisesRegex(UserError, "kept as sent"):
            self.env["ir.attachment"].sudo().browse(doc.id).unlink()
        with self.assertRaisesRegex(UserError, "kept as sent"):
            self.env["ir.attachment"].sudo().browse(doc.id).write({"res_id": False})
        # Odoo's own upkeep still works: the same content again, a sharing token.
        doc.sudo().write({"raw": doc.raw, "mimetype": doc.mimetype})
        doc.with_user(self.controller).generate_access_token()
        # What comes after is not what was sent: added, corrected, removed.
        note = Attachment.create({"name": "call.txt", "raw": b"Insurer called", **on_claim})
        loose = Attachment.create({"name": "loose.txt", "raw": b"Not a document yet"})
        loose.write(on_claim)
        note.write({"raw": b"Insurer called twice"})
        (note | loose).unlink()
        self.env.invalidate_all()
        self.assertEqual(claim.document_ids, documents)
        self.assertEqual(claim.sent_document_ids, documents)
        self.assertEqual(claim.document_ids.mapped("checksum"), checksums)

    def test_insurer_letter_kept_on_a_sent_claim(self):
        """The insurer's letters about a claim sent (its acknowledgement, a
        request for documents) are kept in the claim's chatter."""
        claim = self._sent_claim()
        message = claim.with_user(self.controller).message_post(
            body="Insurer's acknowledgement letter",
            attachments=[("ack.pdf", b"%PDF-1.4 letter")],
        )
        self.assertEqual(message.attachment_ids.mapped("name"), ["ack.pdf"])
        self.assertNotIn(message.attachment_ids, claim.sent_document_ids)

    def test_insurer_email_with_attachment_reaches_a_sent_claim(self):
        """An e-mail reply of the insurer with its decision attached goes
        through the mail gateway (as the superuser) to the claim."""
        claim = self._sent_claim()
        mail = EmailMessage()
        mail["From"] = "claims@insurer.example.com"
        mail["To"] = "credit@example.com"
        mail["Subject"] = f"Re: {claim.name}"
        mail["Message-Id"] = "<claim-insurer-reply@insurer.example.com>"
        mail.set_content("Please find our decision attached.")
        mail.add_attachment(
            b"%PDF-1.4 decision", maintype="application", subtype="pdf", filename="decision.pdf"
        )
        self.env["mail.thread"].sudo().message_process(
            claim._name, mail.as_bytes(), thread_id=claim.id
        )
        self.assertIn("decision.pdf", claim.message_ids.attachment_ids.mapped("name"))

    def test_allianz_acknowledged_then_partly_paid(self):
        self._request(self.allianz_policy, 50000)
        self._book()
        self.sandbox.job_polls = 10
        claim = self._claim(self.allianz_policy)
        claim.action_submit()
        # The insurer's job still runs after the polls: asked again later.
        self.assertEqual((claim.state, claim.insurer_ref), ("submitted", False))
        self.sandbox.jobs[claim.raw_answer["jobId"]]["polls"] = 0
        claim.action_refresh()
        self.assertEqual(claim.state, "acknowledged")
        self.assertEqual(claim.date_acknowledged, self.today)
        self.assertEqual(self.sandbox.claims[claim.insurer_ref]["style"], "allianz")
        self.sandbox.decide_claim(
            claim.insurer_ref, "PARTIALLY_PAID", paid=20000, message="Second invoice disputed."
        )
        claim.action_refresh()
        self.assertEqual((claim.state, claim.amount_paid), ("partially_paid", 20000))
        self.assertEqual(claim.raw_answer["indemnity"]["paidAmount"], 20000)

    def test_indemnity_in_another_currency_at_the_payment_date_rate(self):
        paid_on = self.today - timedelta(days=10)
        eur = self.setup_other_currency("EUR", rates=[(str(paid_on), 2.0), (str(self.today), 4.0)])
        self._request(self.atradius_policy, 50000)
        self._book()
        claim = self._claim(self.atradius_policy)
        claim.action_submit()
        self.sandbox.decide_claim(
            claim.insurer_ref, "SETTLED", paid=20000, paid_in=eur.name, paid_on=paid_on
        )
        claim.action_refresh()
        # 20,000 EUR at 2 EUR a dollar on the day paid: not today's 4.
        self.assertEqual((claim.amount_paid, claim.date_paid), (10000, paid_on))

    def test_refusals_are_explained_and_write_nothing(self):
        self._book()
        # Not known to the insurer yet.
        claim = self._claim(self.atradius_policy)
        with self.assertRaises(UserError) as caught:
            claim.action_submit()
        self.assertIn("not matched with a buyer", str(caught.exception))
        claim.action_withdraw()  # releases its items
        # Known, but without a cover: the insurer refuses the claim.
        self.env["credit.insurance.buyer"]._match(self.atradius, self.customer)
        claim = self._claim(
            self.atradius_policy, item_ids=[Command.set(self._items(self.late).ids)]
        )
        with self.assertRaises(UserError) as caught:
            claim.action_submit()
        self.assertIn("has no cover in force for this buyer", str(caught.exception))
        self.assertEqual(claim.state, "draft")
        self.assertFalse(claim.date_submitted)
        self.assertFalse(claim.insurer_ref)
        self.assertEqual(self.sandbox.count("/claims", "POST"), 1, "a refusal is not retried")
        self._request(self.atradius_policy, 50000)
        self.Claim.browse(claim.ids).action_submit()
        # Two claims on the same invoice: refused here before the insurer.
        with self.assertRaises(UserError) as caught:
            self._claim(self.atradius_policy, item_ids=[Command.set(self._items(self.late).ids)])
        self.assertIn(claim.name, str(caught.exception))

    def test_file_insurer_export_and_answers_by_hand(self):
        backend = self.env["credit.insurance.backend"].create(
            {"name": "Lists", "kind": "file", "company_id": self.company.id}
        )
        policy = self._policy(backend, "FILE-C", discretionary_limit=20000, insurer_ref="P-9")
        self._request(policy, 25000)  # requested, no decision: the discretionary limit applies
        self._book()
        claim = self._claim(policy)
        self.assertEqual((claim.cover_limit, claim.amount_insured), (20000, 18000))
        claim.action_submit()
        self.assertEqual(claim.state, "submitted")
        self.assertEqual(self.sandbox.calls, [])
        exported = claim.document_ids.filtered(lambda a: a.description == "export")
        by_ext = {a.name.rsplit(".", 1)[1]: a for a in exported}
        rows = list(csv.DictReader(io.StringIO(by_ext["csv"].raw.decode())))
        self.assertEqual([row["document"] for row in rows], [self.late.name, self.later.name])
        self.assertEqual(
            (
                rows[0]["claim"],
                rows[0]["insurer_policy_id"],
                rows[0]["vat"],
                rows[0]["amount_claimed"],
                rows[0]["amount_insured"],
                rows[1]["amount_open"],
            ),
            (claim.name, "P-9", "FR40303265045", "70000.00", "18000.00", "40000.00"),
        )
        self.assertIn(self.case.name.replace("/", "_"), rows[0]["attachments"])
        sheet = openpyxl.load_workbook(io.BytesIO(by_ext["xlsx"].raw)).active
        values = list(sheet.values)
        self.assertEqual(values[1][11], self.late.name)
        self.assertEqual(values[1][9], 70000)
        # The insurer answers by letter.
        Answer = self.env["credit.insurance.claim.answer"].with_user(self.controller)

        def answer(kind, amount=0.0):
            Answer.create(
                {"claim_id": claim.id, "answer": kind, "amount": amount, "message": kind}
            ).action_confirm()

        answer("acknowledged")
        self.assertEqual((claim.state, claim.date_acknowledged), ("acknowledged", self.today))
        answer("indemnity", 10000)
        self.assertEqual((claim.state, claim.amount_paid), ("partially_paid", 10000))
        with self.assertRaises(UserError):
            answer("acknowledged")
        with self.assertRaises(UserError):
            answer("indemnity", 0)
        answer("indemnity", 8000)
        self.assertEqual((claim.state, claim.amount_paid), ("paid", 18000))
        with self.assertRaises(UserError):
            claim.action_withdraw()
        # A claim in preparation is withdrawn by hand.
        draft = self._claim(policy, item_ids=[Command.set(self._items(self.not_due).ids)])
        draft.action_withdraw()
        self.assertEqual(draft.state, "withdrawn")


@tagged("post_install", "-at_install")
class TestClaimAccess(ClaimCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.setup_other_company(name="Claiming Other Co")["company"]
        cls.other_user = new_test_user(
            cls.env,
            login="claim_other_company",
            groups="base.group_user,credit_management.group_credit_control_manager",
            company_id=cls.other_company.id,
            company_ids=[Command.set(cls.other_company.ids)],
        )

    def _collector(self, login):
        return new_test_user(
            self.env,
            login=login,
            groups="base.group_user,credit_management.group_credit_control_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )

    def test_collectors_see_the_claims_of_their_cases(self):
        """A claim and its documents (the case file among them) are seen as
        its collection case is: by its collector and its team, and by
        managers; not by another collector."""
        self._book()
        self.case.message_post(
            body="Call notes", attachments=[("call_notes.txt", b"Debtor's director is ill.")]
        )
        case_files = self.env["ir.attachment"].search(
            [("res_model", "=", self.case._name), ("res_id", "=", self.case.id)]
        )
        claim = self._claim(self.atradius_policy)
        claim.action_collect_documents()
        documents = claim.document_ids
        self.assertEqual(len(documents), 5)
        other = self._collector("claim_other_collector")
        Attachment = self.env["ir.attachment"].with_user(other)
        self.assertFalse(self.Claim.with_user(other).search([]))
        with self.assertRaises(AccessError):
            claim.with_user(other).read(["name"])
        for attachments in (documents, case_files):
            self.assertFalse(Attachment.search([("id", "in", attachments.ids)]))
            self.assertFalse(
                Attachment.search([("res_model", "=", attachments[0].res_model)]), attachments
            )
            with self.assertRaises(AccessError):
                attachments.with_user(other).read(["raw"])
        # Nor can a claim be filed on a customer whose case the collector does not see.
        with self.assertRaises(AccessError):
            self._claim(
                self.atradius_policy,
                user=other,
                item_ids=[Command.set(self._items(self.not_due).ids)],
            )
        # Its collector, a member of the case's team, the team's leader and a manager do.
        member, leader = self._collector("claim_team_member"), self._collector("claim_team_lead")
        self.case.team_id = self.env["credit.collection.team"].create(
            {"name": "Claims team", "user_id": leader.id, "member_ids": [Command.set(member.ids)]}
        )
        for user in (self.controller, member, leader, self.manager):
            self.assertEqual(self.Claim.with_user(user).search([]), claim, user.login)
            seen = Attachment.with_user(user).search([("id", "in", (documents | case_files).ids)])
            self.assertEqual(seen, documents | case_files, user.login)
            self.assertTrue(documents.with_user(user)[0].raw)
        self.assertFalse(self.Claim.with_user(other).search([]))

    def test_collectors_claim_customers_without_case(self):
        """A customer no one follows in a collection case is claimed by any
        collector of the company, and the claim is seen by all of them; once
        the customer's case is opened, its claims go through the case."""
        self._request(self.atradius_policy, 50000)
        self._invoice(self.customer, 30000, due_days=-70, date_days=-100)
        self.assertFalse(self.Case.search([("partner_id", "=", self.customer.id)]))
        claim = self._claim(self.atradius_policy)
        self.assertTrue(claim.item_ids)
        self.assertFalse(claim.case_id)
        other = self._collector("claim_no_case_collector")
        self.assertEqual(self.Claim.with_user(other).search([]), claim)
        self.assertFalse(self.Claim.with_user(self.other_user).search([]))
        case = self.Case._for_partner(self.customer, self.company)
        case.user_id = self.controller
        # Not even by leaving the case out.
        for vals in ({}, {"case_id": False}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self._claim(self.atradius_policy, user=other, **vals)
        self.assertEqual(self._claim(self.atradius_policy).case_id, case)

    def test_a_sent_claim_stays_with_its_case(self):
        """The case decides who follows and sees a claim: once sent, a claim
        is not moved to another case nor left without one (a collector
        would take it from its collector, or show it to every collector);
        a claim sent without a case may be given the customer's."""
        self._request(self.atradius_policy, 50000)
        self._book()
        claim = self._claim(self.atradius_policy)
        claim.sudo().case_id = False
        claim.action_submit()
        self.assertEqual((claim.state, claim.case_id.id), ("submitted", False))
        claim.with_user(self.controller).write({"case_id": self.case.id})
        self.assertEqual(claim.case_id, self.case)
        self.case.sudo().stage_id = self.env.ref("credit_management.credit_collection_stage_closed")
        reopened = self.Case._for_partner(self.customer, self.company)
        self.assertNotEqual(reopened, self.case)
        reopened.user_id = self.controller
        for user in (self.controller, self.manager):
            for value in (False, reopened.id):
                with (
                    self.subTest(user=user.login, value=value),
                    self.assertRaisesRegex(UserError, "stays with its collection case"),
                ):
                    claim.with_user(user).write({"case_id": value})
        claim.with_user(self.controller).write({"case_id": self.case.id})
        self.assertEqual(claim.case_id, self.case)

    def test_attachments_of_a_claim_tell_strangers_nothing(self):
        """A portal user, an internal user without credit rights and a user
        of another company get Odoo's access error on a claim's attachments,
        not the claim's number and that it was sent."""
        claim = self._sent_claim()
        doc = claim.sent_document_ids[0]
        strangers = (
            new_test_user(self.env, login="claim_portal", groups="base.group_portal"),
            new_test_user(
                self.env,
                login="claim_internal",
                groups="base.group_user",
                company_id=self.company.id,
                company_ids=[Command.set(self.company.ids)],
            ),
            self.other_user,
        )
        probe = {"name": "probe.txt", "raw": b"probe"}
        for user in strangers:
            Attachment = self.env["ir.attachment"].with_user(user)
            for attempt in (
                lambda A: A.create({**probe, "res_model": claim._name, "res_id": claim.id}),
                lambda A: A.browse(doc.id).write({"raw": b"forged"}),
                lambda A: A.browse(doc.id).write({"res_id": False}),
                lambda A: A.browse(doc.id).unlink(),
            ):
                with self.subTest(user=user.login), self.assertRaises(AccessError) as caught:
                    attempt(Attachment)
                self.assertNotIn(claim.name, str(caught.exception))

    def test_items_claimed_in_a_claim_not_seen(self):
        """Items already claimed in a claim the user does not see are
        refused without naming that claim."""
        self._book()
        first = self._claim(self.atradius_policy)
        other = self._collector("claim_dispute_collector")
        dispute = self.Case.create(
            {
                "kind": "dispute",
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "user_id": other.id,
            }
        )
        with self.assertRaises(ValidationError) as caught:
            self._claim(
                self.atradius_policy,
                user=other,
                case_id=dispute.id,
                item_ids=[Command.set(self._items(self.late).ids)],
            )
        message = str(caught.exception)
        self.assertIn("already claimed", message)
        self.assertIn(self.late.name, message)
        self.assertNotIn(first.name, message)

    def test_accounting_user_without_credit_rights(self):
        self._book()
        claim = self._claim(self.atradius_policy)
        with self.assertRaises(AccessError):
            self.Claim.with_user(self.salesman).search([])
        with self.assertRaises(AccessError):
            claim.with_user(self.salesman).read(["amount_insured"])
        with self.assertRaises(AccessError):
            self._claim(self.atradius_policy, user=self.salesman)
        with self.assertRaises(AccessError):
            claim.with_user(self.salesman).action_submit()
        with self.assertRaises(AccessError):
            self.env["credit.insurance.claim.answer"].with_user(self.salesman).create(
                {"claim_id": claim.id, "answer": "acknowledged"}
            )
        self.assertEqual(self.sandbox.calls, [])

    def test_other_company_sees_and_claims_nothing(self):
        self._book()
        claim = self._claim(self.atradius_policy)
        self.assertFalse(self.Claim.with_user(self.other_user).search([]))
        with self.assertRaises(AccessError):
            claim.with_user(self.other_user).action_submit()
        with self.assertRaises(AccessError):
            self._claim(self.atradius_policy, user=self.other_user)
        self.assertEqual(self.sandbox.calls, [])

    def test_states_and_figures_only_through_actions(self):
        self._book()
        vals = {"policy_id": self.atradius_policy.id, "partner_id": self.customer.id}
        Claim = self.Claim.with_user(self.controller)
        for forged in (
            {"state": "paid"},
            {"amount_paid": 5},
            {"insurer_ref": "K1"},
            {"date_submitted": "2020-01-01 00:00:00"},
        ):
            with self.subTest(forged=forged), self.assertRaises(AccessError):
                Claim.create({**vals, **forged})
        with self.assertRaises(AccessError):
            Claim.with_context(default_state="submitted").create(vals)
        claim = Claim.create(vals)
        for forged in ({"state": "submitted"}, {"amount_claimed": 1e6}, {"amount_insured": 1e6}):
            with self.subTest(forged=forged), self.assertRaises(AccessError):
                claim.write(forged)
        claim.note = "Items checked with the collector."
        claim.unlink()

    def test_views_and_the_customers_button(self):
        self._book()
        self._claim(self.atradius_policy)
        for user in (self.controller, self.manager):
            for model in (
                "credit.insurance.claim",
                "credit.insurance.claim.answer",
                "credit.insurance.policy",
            ):
                views = (
                    self.env[model].with_user(user).get_views([(False, "form"), (False, "list")])
                )
                self.assertIn("form", views["views"])
            partner = self.customer_contact.with_user(user)
            self.assertEqual(partner.credit_insurance_claim_count, 1)
            action = partner.action_credit_insurance_claims()
            self.assertEqual(
                self.Claim.with_user(user).search(action["domain"]).partner_id, self.customer
            )
        arch = self.env["res.partner"].with_user(self.controller).get_views([(False, "form")])
        self.assertIn("credit_insurance_claim_count", arch["views"]["form"]["arch"])
        # An accounting user has no claim count, not even hidden in the form.
        arch = self.env["res.partner"].with_user(self.salesman).get_views([(False, "form")])
        self.assertNotIn("credit_insurance_claim_count", arch["views"]["form"]["arch"])
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman).read(["credit_insurance_claim_count"])
