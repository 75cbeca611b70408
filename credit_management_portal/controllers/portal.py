import logging
import math

from odoo import http
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.tools.mimetypes import guess_mimetype

_logger = logging.getLogger(__name__)

# What a customer may send as documents, decided on the content, not the name.
ALLOWED_MIMETYPES = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
    "application/vnd.oasis.opendocument.spreadsheet",
}
# CSV has no signature: plain text is accepted under a .csv name only.
CSV_MIMETYPES = {"text/plain", "text/csv"}
MAX_FILES = 10
DEFAULT_MAX_UPLOAD_MB = 10


class CreditApplicationPortal(CustomerPortal):
    """My Account > Credit: a customer applies for credit and follows its
    applications. Everything is read as the portal user (access rights, the
    portal record rule and the fields' groups decide); only the creation of
    the application, for the customer the session identifies, runs as
    superuser."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "credit_application_count" in counters:
            Request = request.env["credit.limit.request"]
            values["credit_application_count"] = (
                Request.search_count(self._credit_domain()) if Request.has_access("read") else 0
            )
        return values

    def _credit_domain(self):
        return [("origin", "=", "portal")]

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------
    @http.route("/my/credit", type="http", auth="user", website=True, methods=["GET"])
    def portal_my_credit(self, **kw):
        Request = request.env["credit.limit.request"]
        applications = (
            Request.search(self._credit_domain()) if Request.has_access("read") else Request
        )
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="credit",
            applications=applications,
        )
        return request.render("credit_management_portal.portal_my_credit", values)

    @http.route("/my/credit/<int:request_id>", type="http", auth="user", website=True)
    def portal_my_credit_application(self, request_id, **kw):
        application = self._application_check_access(request_id)
        values = self._prepare_portal_layout_values()
        values.update(
            page_name="credit_application",
            application=application,
            documents=self._application_documents(application),
            sent=kw.get("sent"),
        )
        return request.render("credit_management_portal.portal_credit_application", values)

    @http.route("/my/credit/apply", type="http", auth="user", website=True, methods=["GET", "POST"])
    def portal_credit_apply(self, **post):
        if request.env.user._is_public() or not request.env.user.share:
            # Internal users request limits from the back office.
            raise request.not_found()
        error = None
        if request.httprequest.method == "POST":
            files = request.httprequest.files.getlist("documents")
            try:
                application = self._create_application(post, files)
            except UserError as exc:
                error = exc.args[0]
            else:
                return request.redirect(f"/my/credit/{application.id}?sent=1")
        return request.render(
            "credit_management_portal.portal_credit_apply",
            self._apply_form_values(post, error),
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _application_check_access(self, request_id):
        """The application if the portal user may read it, as that user;
        another customer's or a missing one is a 404 (no hint it exists)."""
        application = request.env["credit.limit.request"].browse(request_id)
        try:
            application.check_access("read")
            if not application.exists() or application.origin != "portal":
                raise MissingError(request.env._("This application does not exist."))
        except (AccessError, MissingError):
            raise request.not_found() from None
        return application

    def _application_documents(self, application):
        # The application was checked readable: its own documents are listed
        # by name (the records are the code's choice, not the user's).
        return (
            request.env["ir.attachment"]
            .sudo()
            .search(
                [("res_model", "=", application._name), ("res_id", "=", application.id)],
                order="id",
            )
        )

    def _payment_terms(self):
        return request.env["account.payment.term"].search(
            [("company_id", "in", [False, request.env.company.id])]
        )

    def _apply_form_values(self, post, error):
        values = self._prepare_portal_layout_values()
        partner = request.env.user.partner_id.commercial_partner_id
        defaults = {
            "legal_name": partner.name,
            "company_registry": partner.company_registry or "",
            "vat": partner.vat or "",
            "country_id": str(partner.country_id.id or ""),
        }
        values.update(
            page_name="credit_apply",
            form={**defaults, **{k: v for k, v in post.items() if isinstance(v, str)}},
            error=error,
            countries=request.env["res.country"].search([]),
            payment_terms=self._payment_terms(),
            currency=request.env.company.currency_id,
            max_upload_mb=self._max_upload_mb(),
        )
        return values

    def _max_upload_mb(self):
        value = (
            request.env["ir.config_parameter"]
            .sudo()
            .get_param("credit_management_portal.max_upload_mb", DEFAULT_MAX_UPLOAD_MB)
        )
        try:
            return max(float(value), 0.0)
        except ValueError:
            return DEFAULT_MAX_UPLOAD_MB

    # ------------------------------------------------------------------
    # Validation and creation
    # ------------------------------------------------------------------
    def _number(self, post, name, label, *, integer=False, maximum=10**12):
        raw = (post.get(name) or "").strip()
        if not raw:
            raise UserError(request.env._("%s is required.", label))
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            raise UserError(request.env._("%s must be a number.", label))
        if value < 0:
            raise UserError(request.env._("%s cannot be negative.", label))
        if value > maximum:
            raise UserError(request.env._("%s is too large.", label))
        return value

    def _application_values(self, post):
        """The request's values from the form, or a UserError naming the field."""
        env = request.env
        legal_name = (post.get("legal_name") or "").strip()
        if not legal_name:
            raise UserError(env._("The legal name of your company is required."))
        country = env["res.country"].browse()
        if (post.get("country_id") or "").isdigit():
            country = env["res.country"].search([("id", "=", int(post["country_id"]))])
        if not country:
            raise UserError(env._("Choose the country of your company."))
        term = env["account.payment.term"].browse()
        if post.get("payment_term_id"):
            term_id = post["payment_term_id"]
            term = self._payment_terms().filtered(lambda t: str(t.id) == term_id)
            if not term:
                raise UserError(env._("Choose payment terms from the list."))
        amount = self._number(post, "requested_limit", env._("The amount of credit"))
        if amount <= 0:
            raise UserError(env._("The amount of credit must be more than zero."))
        return {
            "origin": "portal",
            "partner_id": env.user.partner_id.commercial_partner_id.id,
            "company_id": env.company.id,
            "requested_limit": amount,
            "reason": (post.get("message") or "").strip()
            or env._("Credit application from the customer portal."),
            "application_legal_name": legal_name,
            "application_company_registry": (post.get("company_registry") or "").strip(),
            "application_vat": (post.get("vat") or "").strip(),
            "application_country_id": country.id,
            "application_years_in_business": self._number(
                post, "years_in_business", env._("Years in business"), integer=True, maximum=1000
            ),
            "application_monthly_purchases": self._number(
                post, "monthly_purchases", env._("Expected monthly purchases")
            ),
            "application_payment_term_id": term.id,
            "application_bank_reference": (post.get("bank_reference") or "").strip(),
            "application_trade_references": (post.get("trade_references") or "").strip(),
        }

    def _read_documents(self, files):
        """(name, content, mimetype) of the uploaded files, or a UserError."""
        env = request.env
        files = [f for f in files if f and f.filename]
        if len(files) > MAX_FILES:
            raise UserError(env._("Send at most %s documents.", MAX_FILES))
        limit = self._max_upload_mb() * 1024 * 1024
        documents = []
        for upload in files:
            content = upload.read(int(limit) + 1)
            if len(content) > limit:
                raise UserError(
                    env._(
                        "%(file)s is larger than %(size)s MB.",
                        file=upload.filename,
                        size=self._max_upload_mb(),
                    )
                )
            if not content:
                raise UserError(env._("%s is empty.", upload.filename))
            mimetype = guess_mimetype(content, default="application/octet-stream")
            is_csv = mimetype in CSV_MIMETYPES and upload.filename.lower().endswith(".csv")
            if mimetype not in ALLOWED_MIMETYPES and not is_csv:
                raise UserError(
                    env._(
                        "%s is not a PDF, an image or a spreadsheet.",
                        upload.filename,
                    )
                )
            documents.append((upload.filename, content, "text/csv" if is_csv else mimetype))
        return documents

    def _create_application(self, post, files):
        """Creates the application and its documents in one savepoint: any
        error leaves nothing behind and comes back as a UserError."""
        vals = self._application_values(post)
        documents = self._read_documents(files)
        env = request.env
        try:
            with env.cr.savepoint():
                # The customer is the session's own commercial partner, never an
                # id from the form: superuser rights are for this record only.
                application = (
                    env["credit.limit.request"]
                    .sudo()
                    .with_context(mail_create_nosubscribe=True)
                    .create(vals)
                )
                attachments = (
                    env["ir.attachment"]
                    .sudo()
                    .create(
                        [
                            {
                                "name": name,
                                "raw": content,
                                "mimetype": mimetype,
                                "res_model": application._name,
                                "res_id": application.id,
                            }
                            for name, content, mimetype in documents
                        ]
                    )
                )
                application.message_post(
                    body=env._("Credit application sent from the customer portal."),
                    author_id=env.user.partner_id.id,
                    attachment_ids=attachments.ids,
                    subtype_xmlid="mail.mt_note",
                )
        except ValidationError as exc:
            raise UserError(exc.args[0]) from None
        _logger.info("Credit application %s sent from the portal by %s", application.id, env.uid)
        return application.with_env(env(su=False))
