import base64

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestOnboardingChecklist(CreditCommon):
    """The items a risk class requires block the approval of a limit request
    until they are ticked with their document, or a manager overrides."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.risky = cls.env["credit.risk.class"].create({"name": "Risky", "code": "RK"})
        cls.safe = cls.env["credit.risk.class"].create({"name": "Safe", "code": "SF"})
        Item = cls.env["credit.onboarding.item"]
        cls.terms = Item.create(
            {"name": "Signed terms", "risk_class_ids": [Command.set(cls.risky.ids)]}
        )
        cls.report = Item.create(
            {
                "name": "Credit report",
                "risk_class_ids": [Command.set(cls.risky.ids)],
                "document_required": False,
            }
        )
        cls.other_company_item = Item.create(
            {
                "name": "Other company's item",
                "company_id": cls.env["res.company"].create({"name": "Checklist Other Co"}).id,
            }
        )
        cls.customer.with_company(cls.company).credit_risk_class_id = cls.risky

    def _request(self, user=None, partner=None):
        return (
            self.env["credit.limit.request"]
            .with_user(user or self.controller)
            .with_company(self.company)
            .create(
                {
                    "partner_id": (partner or self.customer).id,
                    "requested_limit": 5000,
                    "reason": "New customer",
                }
            )
        )

    def _document(self, request, name="terms.pdf"):
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "datas": base64.b64encode(b"%PDF-1.4 signed"),
                "res_model": request._name,
                "res_id": request.id,
            }
        )

    def _line(self, request, item):
        return request.checklist_ids.filtered(lambda line: line.item_id == item)

    def test_lines_follow_the_risk_class_and_company(self):
        request = self._request()
        self.assertEqual(request.checklist_ids.item_id, self.terms | self.report)
        self.assertIn("Signed terms", request.checklist_missing)
        fresh = self.env["res.partner"].create({"name": "Fresh Co", "is_company": True})
        fresh.with_company(self.company).credit_risk_class_id = self.safe
        self.assertFalse(self._request(partner=fresh).checklist_ids)

    def test_missing_item_blocks_the_approval(self):
        request = self._request()
        with self.assertRaisesRegex(UserError, "Signed terms"):
            request.with_user(self.manager).action_approve()
        self.assertEqual(request.state, "to_approve")
        line = self._line(request, self.terms).with_user(self.controller)
        with self.assertRaises(ValidationError):
            line.done = True  # no document yet
        line.attachment_ids = self._document(request)
        line.done = True
        self.assertEqual(line.checked_by_id, self.controller)
        self._line(request, self.report).with_user(self.controller).done = True
        self.assertFalse(request.checklist_missing)
        request.with_user(self.manager).action_approve()
        self.assertEqual(request.state, "approved")
        with self.assertRaises(UserError):
            line.done = False

    def test_manager_overrides_with_a_reason(self):
        request = self._request()
        with self.assertRaises(AccessError):
            request.with_user(self.controller).checklist_override_reason = "Trust me"
        request.with_user(self.manager).checklist_override_reason = "Long-time partner group"
        request.with_user(self.manager).action_approve()
        self.assertEqual(request.state, "approved")
        log = request.message_ids.filtered(lambda m: "onboarding items missing" in m.body)
        self.assertEqual(len(log), 1)
        self.assertIn("Long-time partner group", log.body)
        self.assertIn("Signed terms", log.body)
        self.assertTrue(log.subtype_id.internal, "the override reason is an internal note")

    def test_documents_of_another_request_and_forged_ticks_are_refused(self):
        request, other = self._request(), self._request()
        line = self._line(request, self.terms).with_user(self.controller)
        with self.assertRaises(ValidationError):
            line.attachment_ids = self._document(other)
        line.write({"note": "seen", "checked_by_id": self.manager.id})
        self.assertFalse(line.checked_by_id, "who ticked is set by the tick only")
        with self.assertRaises(AccessError):
            line.with_user(self.salesman).done = True
        with self.assertRaises(AccessError):
            self.terms.with_user(self.controller).name = "Nothing"

    def test_refresh_after_the_class_changes(self):
        fresh = self.env["res.partner"].create({"name": "Reclassed Co", "is_company": True})
        request = self._request(partner=fresh)
        self.assertFalse(request.checklist_ids)
        fresh.with_company(self.company).credit_risk_class_id = self.risky
        with self.assertRaises(AccessError):
            request.with_user(self.salesman).action_refresh_checklist()
        request.with_user(self.controller).action_refresh_checklist()
        request.with_user(self.controller).action_refresh_checklist()
        self.assertEqual(request.checklist_ids.item_id, self.terms | self.report)
