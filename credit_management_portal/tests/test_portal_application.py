import io
import re

from odoo import Command
from odoo.addons.credit_management_portal.models.credit_limit_request import APPLICATION_FIELDS
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# What a portal user may read of its applications: what it filled in, the
# status and the framework's own fields.
PORTAL_READABLE = APPLICATION_FIELDS | {
    "id",
    "display_name",
    "name",
    "origin",
    "partner_id",
    "company_id",
    "currency_id",
    "requested_by_id",
    "requested_limit",
    "reason",
    "state",
    "decided_by_id",
    "decision_date",
    "create_date",
    "create_uid",
    "write_date",
    "write_uid",
}


def _xlsx():
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Year", "Revenue"])
    book.active.append([2024, 1200000])
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()


@tagged("post_install", "-at_install")
class TestPortalApplication(HttpCase):
    """A customer applies for credit through the portal form, credit control
    decides, and every route and record is tried as each kind of visitor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        company_ctx = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.manager = new_test_user(
            cls.env,
            login="portal_app_manager",
            groups="base.group_user,base.group_partner_manager,"
            "credit_management.group_credit_control_manager",
            **company_ctx,
        )
        cls.controller = new_test_user(
            cls.env,
            login="portal_app_controller",
            groups="base.group_user,credit_management.group_credit_control_user",
            **company_ctx,
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "Applicant Co", "is_company": True})
        cls.other_customer = Partner.create({"name": "Other Buyer Co", "is_company": True})
        cls.alice = cls._portal_user("portal_alice", cls.customer)
        cls.bob = cls._portal_user("portal_bob", cls.customer)
        cls.carol = cls._portal_user("portal_carol", cls.other_customer)
        cls.term = cls.env.ref("account.account_payment_term_30days")
        cls.env["ir.config_parameter"].sudo().set_param(
            "credit_management_portal.max_upload_mb", "1"
        )

    @classmethod
    def _portal_user(cls, login, company_partner):
        contact = cls.env["res.partner"].create(
            {
                "name": login.title(),
                "parent_id": company_partner.id,
                "email": f"{login}@example.com",
            }
        )
        return new_test_user(
            cls.env, login=login, groups="base.group_portal", partner_id=contact.id
        )

    # ------------------------------------------------------------------
    def _form(self, **overrides):
        data = {
            "legal_name": "Applicant Company Ltd",
            "company_registry": "RCS 123 456",
            "vat": "BE0477472701",
            "country_id": str(self.env.ref("base.be").id),
            "years_in_business": "7",
            "monthly_purchases": "4000",
            "requested_limit": "25000",
            "payment_term_id": str(self.term.id),
            "bank_reference": "KBC Brussels",
            "trade_references": "Supplier One, one@example.com",
            "message": "Opening a new shop",
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    def _post(self, data, files=(), csrf=True):
        page = self.url_open("/my/credit/apply")
        self.assertEqual(page.status_code, 200)
        if csrf:
            data = dict(
                data, csrf_token=re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
            )
        return self.url_open(
            "/my/credit/apply",
            data=data,
            files=[("documents", file) for file in files] or None,
        )

    def _requests(self):
        return self.env["credit.limit.request"].search([("partner_id", "=", self.customer.id)])

    def _application(self, user=None):
        """An application of Applicant Co filed through the portal form."""
        self.authenticate((user or self.alice).login, (user or self.alice).login)
        response = self._post(self._form(), files=[("statements.pdf", PDF, "application/pdf")])
        self.assertEqual(response.status_code, 200)
        match = re.search(r"/my/credit/(\d+)\?sent=1", response.url)
        self.assertTrue(match, response.url)
        return self.env["credit.limit.request"].browse(int(match[1]))

    # ------------------------------------------------------------------
    def test_apply_then_credit_control_decides(self):
        self.authenticate("portal_alice", "portal_alice")
        listing = self.url_open("/my/credit")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("You have not applied for credit yet", listing.text)
        response = self._post(
            self._form(),
            files=[
                ("statements.pdf", PDF, "application/pdf"),
                ("ledger.xlsx", _xlsx(), "application/octet-stream"),
                ("references.csv", b"supplier,email\nOne,one@example.com\n", "text/csv"),
            ],
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("we have received your application", response.text)
        application = self._requests()
        self.assertEqual(len(application), 1)
        self.assertRecordValues(
            application,
            [
                {
                    "origin": "portal",
                    "partner_id": self.customer.id,
                    "requested_by_id": self.alice.id,
                    "requested_limit": 25000,
                    "state": "to_approve",
                    "application_legal_name": "Applicant Company Ltd",
                    "application_vat": "BE0477472701",
                    "application_country_id": self.env.ref("base.be").id,
                    "application_years_in_business": 7,
                    "application_monthly_purchases": 4000,
                    "application_payment_term_id": self.term.id,
                    "company_id": self.company.id,
                }
            ],
        )
        documents = self.env["ir.attachment"].search(
            [("res_model", "=", application._name), ("res_id", "=", application.id)]
        )
        self.assertEqual(
            sorted(documents.mapped("mimetype")),
            [
                "application/pdf",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "text/csv",
            ],
        )
        self.assertIn(self.manager, application.activity_ids.user_id)
        self.assertNotIn(self.alice.partner_id, application.message_partner_ids)
        self.assertIn("statements.pdf", self.url_open(f"/my/credit/{application.id}").text)

        # Credit control: the customer's class requires signed terms.
        risky = self.env["credit.risk.class"].create({"name": "Portal risky", "code": "PR"})
        terms = self.env["credit.onboarding.item"].create(
            {"name": "Signed terms", "risk_class_ids": [Command.set(risky.ids)]}
        )
        self.customer.with_company(self.company).credit_risk_class_id = risky
        application.with_user(self.controller).action_refresh_checklist()
        with self.assertRaisesRegex(Exception, "Signed terms"):
            application.with_user(self.manager).action_approve()
        application.with_user(self.manager).checklist_override_reason = "Terms signed on paper"
        application.with_user(self.manager).write({"approved_limit": 20000})
        application.with_user(self.manager).action_approve()
        self.assertEqual(application.state, "approved")
        self.assertEqual(application.checklist_ids.item_id, terms)
        self.assertEqual(self.customer.with_company(self.company).credit_limit, 20000)

        decision = application.message_ids.filtered(
            lambda m: self.alice.partner_id in m.partner_ids
        )
        self.assertEqual(len(decision), 1, "the decision is mailed to the applicant")
        self.assertIn("approved", decision.body)
        self.assertNotIn("20,000", decision.body, "no amount in the mail")
        self.assertNotIn("Terms signed on paper", decision.body)
        self.assertTrue(
            self.env["mail.notification"].search(
                [
                    ("mail_message_id", "=", decision.id),
                    ("res_partner_id", "=", self.alice.partner_id.id),
                    ("notification_type", "=", "email"),
                ]
            )
        )
        page = self.url_open(f"/my/credit/{application.id}").text
        self.assertIn("Approved", page)
        self.assertNotIn("20,000", page)

    def test_refusal_is_mailed_without_the_note(self):
        application = self._application()
        application.with_user(self.manager).decision_note = "Too many late payments elsewhere"
        application.with_user(self.manager).action_refuse()
        decision = application.message_ids.filtered(
            lambda m: self.alice.partner_id in m.partner_ids
        )
        self.assertEqual(len(decision), 1)
        self.assertIn("unable to grant credit", decision.body)
        self.assertNotIn("late payments", decision.body)
        self.assertIn("Declined", self.url_open(f"/my/credit/{application.id}").text)

    @mute_logger("odoo.http")
    def test_bad_input_creates_nothing(self):
        self.authenticate("portal_alice", "portal_alice")
        attachments = self.env["ir.attachment"].search_count([])
        cases = [
            ({"legal_name": ""}, [], "legal name"),
            ({"country_id": "999999"}, [], "country"),
            ({"requested_limit": "-5"}, [], "cannot be negative"),
            ({"requested_limit": "lots"}, [], "must be a number"),
            ({"years_in_business": "nan"}, [], "must be a number"),
            ({"years_in_business": "99999999999999"}, [], "too large"),
            ({"monthly_purchases": "inf"}, [], "must be a number"),
            ({"payment_term_id": "999999"}, [], "payment terms"),
            (
                {},
                [("big.pdf", PDF + b"0" * (1024 * 1024 + 1), "application/pdf")],
                "larger than",
            ),
            ({}, [("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")], "not a PDF"),
            (
                {},
                [("page.pdf", b"<html><script>x</script></html>", "application/pdf")],
                "not a PDF",
            ),
            ({}, [("notes.txt", b"plain text", "text/plain")], "not a PDF"),
            ({}, [("ok.pdf", PDF, "application/pdf")] * 11, "at most 10"),
        ]
        for overrides, files, message in cases:
            with self.subTest(message=message, overrides=overrides):
                response = self._post(self._form(**overrides), files=files)
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_credit_apply_error", response.text)
                self.assertIn(message, response.text)
                self.assertFalse(self._requests())
                self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        # What the customer typed comes back in the form.
        self.assertIn("Applicant Company Ltd", response.text)
        # Without the CSRF token the form is refused before anything runs.
        response = self._post(self._form(), csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._requests())

    def test_routes_as_each_visitor(self):
        application = self._application()
        internal = self.env["credit.limit.request"].create(
            {"partner_id": self.customer.id, "requested_limit": 1, "reason": "Internal only"}
        )
        url = f"/my/credit/{application.id}"
        # Another portal user of the same company shares its applications.
        self.authenticate("portal_bob", "portal_bob")
        self.assertIn(url, self.url_open("/my/credit").text)
        self.assertEqual(self.url_open(url).status_code, 200)
        self.assertEqual(self.url_open(f"/my/credit/{internal.id}").status_code, 404)
        # Another customer's portal user sees nothing of it.
        self.authenticate("portal_carol", "portal_carol")
        self.assertNotIn(url, self.url_open("/my/credit").text)
        for target in (url, f"/my/credit/{internal.id}", "/my/credit/999999999"):
            with self.subTest(target=target):
                self.assertEqual(self.url_open(target).status_code, 404)
        # Visitors are sent to the login page.
        self.logout()
        for target in ("/my/credit", url, "/my/credit/apply"):
            with self.subTest(target=target):
                response = self.url_open(target, allow_redirects=False)
                self.assertIn(response.status_code, (302, 303))
                self.assertIn("/web/login", response.headers["Location"])
        # Internal users request limits from the back office.
        self.authenticate("portal_app_controller", "portal_app_controller")
        self.assertEqual(self.url_open("/my/credit/apply").status_code, 404)

    def test_records_as_portal_users(self):
        application = self._application()
        internal = self.env["credit.limit.request"].create(
            {"partner_id": self.customer.id, "requested_limit": 1, "reason": "Internal only"}
        )
        Request = self.env["credit.limit.request"]
        self.assertEqual(Request.with_user(self.bob).search([]), application)
        self.assertFalse(Request.with_user(self.carol).search([]))
        with self.assertRaises(AccessError):
            internal.with_user(self.alice).read(["state"])
        with self.assertRaises(AccessError):
            application.with_user(self.carol).read(["state"])
        as_alice = application.with_user(self.alice)
        as_alice.read(sorted(PORTAL_READABLE & set(Request._fields)))
        hidden = sorted(
            name
            for name, field in Request._fields.items()
            if name not in PORTAL_READABLE
            and not name.startswith(("message_", "website_message", "has_message"))
            and name not in self.env["mail.thread"]._fields
            and name not in self.env["mail.activity.mixin"]._fields
        )
        self.assertIn("approved_limit", hidden)
        for name in hidden:
            with self.subTest(field=name), self.assertRaises(AccessError):
                as_alice.read([name])
        for vals in ({"requested_limit": 1}, {"state": "approved"}, {"origin": "internal"}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_alice.write(vals)
        with self.assertRaises(AccessError):
            Request.with_user(self.alice).create(
                {"partner_id": self.customer.id, "requested_limit": 1, "reason": "x"}
            )
        # Only the portal files portal applications.
        with self.assertRaises(AccessError):
            Request.with_user(self.controller).create(
                {
                    "partner_id": self.customer.id,
                    "requested_limit": 1,
                    "reason": "Looks like the customer's",
                    "origin": "portal",
                }
            )
        with self.assertRaises(AccessError):
            Request.with_user(self.controller).with_context(default_origin="portal").create(
                {"partner_id": self.customer.id, "requested_limit": 1, "reason": "Defaulted"}
            )

    def test_portal_application_tour(self):
        self.start_tour("/my", "credit_portal_application_tour", login="portal_alice")
        application = self._requests()
        self.assertRecordValues(
            application,
            [
                {
                    "origin": "portal",
                    "requested_by_id": self.alice.id,
                    "application_legal_name": "Tour Applicant Ltd",
                    "requested_limit": 12000,
                    "state": "to_approve",
                }
            ],
        )
