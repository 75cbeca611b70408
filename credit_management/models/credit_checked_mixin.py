from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from ..engine import check


class CreditCheckedMixin(models.AbstractModel):
    """Documents that extend credit when validated (an invoice posted, an
    order confirmed): they run the credit check, refuse or warn by company
    mode, and let a Credit Control Manager override with a logged reason.

    A model using it implements ``_credit_checked_records``,
    ``_credit_document_amount`` and ``_credit_validate`` and names its field
    on ``credit.override`` in ``_credit_override_field``.
    """

    _name = "credit.checked.mixin"
    _description = "Document Checked Against Credit"
    _credit_override_field = None

    # ------------------------------------------------------------------
    # To implement
    # ------------------------------------------------------------------

    def _credit_checked_records(self, **kwargs):
        """The records of ``self`` that extend credit now."""
        raise NotImplementedError

    def _credit_document_amount(self):
        """Amount of one document in company currency at today's rate."""
        raise NotImplementedError

    def _credit_commercial_partner(self):
        return self.partner_id.commercial_partner_id

    def _credit_counted_amount(self):
        """Part of the document's amount that exposure already includes."""
        return 0.0

    def _credit_validate(self):
        """Validates the documents again once overridden (the button's action)."""
        raise NotImplementedError

    def _credit_override_link(self):
        """Values linking a ``credit.override`` to this document."""
        self.ensure_one()
        return {self._credit_override_field: self.id}

    # ------------------------------------------------------------------
    # The check
    # ------------------------------------------------------------------

    def _credit_failures(self, lock=True, **kwargs):
        failures = []
        records = self._credit_checked_records(**kwargs)
        for company, company_docs in records.grouped("company_id").items():
            amounts, counted = {}, {}
            grouped = company_docs.grouped(lambda d: d._credit_commercial_partner())
            for partner, docs in grouped.items():
                amounts[partner] = (docs, sum(doc._credit_document_amount() for doc in docs))
                counted[partner] = sum(doc._credit_counted_amount() for doc in docs)
            failures += check.check(self.env, company, amounts, counted, lock=lock)
        return failures

    def _credit_is_overridden(self, failure):
        """The unused overrides that cover every document of the failure, or False."""
        field = self._credit_override_field
        overrides = (
            self.env["credit.override"]
            .sudo()
            .search(
                [
                    (field, "in", failure.documents.ids),
                    ("company_id", "=", failure.company.id),
                    ("used", "=", False),
                ]
            )
        )
        return overrides if set(overrides[field].ids) == set(failure.documents.ids) else False

    def _credit_enforce(self, **kwargs):
        """Raises for a blocking failure without override; returns the
        overrides to mark used and the failures to log as warnings."""
        used = self.env["credit.override"]
        if check.is_skipped():
            return used, []
        warnings = []
        for failure in self._credit_failures(**kwargs):
            if failure.company.credit_check_mode == "warn":
                warnings.append(failure)
                continue
            overrides = self._credit_is_overridden(failure)
            if not overrides:
                raise UserError(self._credit_message(failure, for_manager=False))
            used |= overrides
        return used, warnings

    def _credit_after_validation(self, used, warnings, validated):
        used.sudo().write({"used": True})
        for failure in warnings:
            message = self._credit_message(failure, for_manager=True, warning=True)
            for document in failure.documents & validated:
                document.message_post(body=message)

    def _credit_override_action(self):
        """For a manager, the override wizard when the check blocks; else None."""
        if check.is_skipped() or not self.env.user.has_group(
            "credit_management.group_credit_control_manager"
        ):
            return None
        blocking = [
            failure
            for failure in self._credit_failures(lock=False)
            if failure.company.credit_check_mode == "block"
            and not self._credit_is_overridden(failure)
        ]
        if not blocking:
            return None
        return self.env["credit.override.wizard"]._open_for(self, blocking)

    # ------------------------------------------------------------------
    # Messages and banner
    # ------------------------------------------------------------------

    @api.model
    def _credit_message(self, failure, for_manager, warning=False):
        env = self.env
        currency = failure.company.currency_id

        def money(amount):
            return formatLang(env, amount, currency_obj=currency)

        documents = ", ".join(failure.documents.mapped(lambda d: d.name or d.display_name))
        if failure.on_hold:
            head = env._(
                "%(partner)s is on credit hold in %(company)s%(reason)s.",
                partner=failure.partner.display_name,
                company=failure.company.name,
                reason=f" ({failure.hold_reason})" if failure.hold_reason else "",
            )
        elif failure.group:
            head = env._(
                "%(partner)s would exceed the credit limit of its group %(group)s.",
                partner=failure.partner.display_name,
                group=failure.group.display_name,
            )
        else:
            head = env._(
                "%(partner)s would exceed its available credit.",
                partner=failure.partner.display_name,
            )
        limit = (
            money(failure.credit_limit)
            if failure.credit_limit or failure.limited
            else env._("none")
        )
        lines = [
            head,
            env._("Credit limit: %s", limit),
            env._("Exposure: %s", money(failure.exposure)),
            env._(
                "This document (%(docs)s): %(amount)s",
                docs=documents,
                amount=money(failure.amount),
            ),
        ]
        if failure.excess:
            lines.append(env._("Excess: %s", money(failure.excess)))
        if warning:
            lines.insert(0, env._("Validated over the credit check (warning mode)."))
        elif not for_manager:
            lines.append(env._("A Credit Control Manager can override this check."))
        return "\n".join(lines)

    def _credit_alert(self):
        """The banner of a document that the check would stop, or None."""
        self.ensure_one()
        if not self.id or not self._credit_checked_records():
            return None
        failures = self._credit_failures(lock=False)
        if not failures:
            return None
        mode = self.company_id.credit_check_mode
        return {
            "level": "danger" if mode == "block" else "warning",
            "message": self._credit_message(failures[0], for_manager=True),
        }
