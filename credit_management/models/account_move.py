from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang

from ..engine import check


class AccountMove(models.Model):
    _inherit = "account.move"

    credit_override_ids = fields.One2many(
        "credit.override", "move_id", string="Credit Overrides", readonly=True
    )

    # ------------------------------------------------------------------
    # The credit check
    # ------------------------------------------------------------------

    def _credit_checked_moves(self, soft=False):
        """Customer invoices about to be posted that extend credit; refunds and
        entries never do. ``soft`` leaves out what ``_post(soft=True)`` will
        postpone (future dates)."""
        today = fields.Date.context_today(self)
        return self.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "draft"
                and m.company_id.credit_check_mode != "none"
                and not (soft and m.date and m.date > today)
            )
        )

    def _credit_amount(self):
        """Amount of the invoice in company currency at today's rate, as
        exposure counts it."""
        self.ensure_one()
        company = self.company_id
        return self.currency_id._convert(
            self.amount_total, company.currency_id, company, fields.Date.context_today(self)
        )

    def _credit_failures(self, soft=False, lock=True):
        failures = []
        moves = self._credit_checked_moves(soft)
        for company, company_moves in moves.grouped("company_id").items():
            amounts, counted = {}, {}
            for partner, partner_moves in company_moves.grouped("commercial_partner_id").items():
                amount = sum(move._credit_amount() for move in partner_moves)
                amounts[partner] = (partner_moves, amount)
                if company.credit_include_draft:
                    counted[partner] = amount
            failures += check.check(self.env, company, amounts, counted, lock=lock)
        return failures

    def _credit_is_overridden(self, failure):
        overrides = (
            self.env["credit.override"]
            .sudo()
            .search(
                [
                    ("move_id", "in", failure.documents.ids),
                    ("company_id", "=", failure.company.id),
                    ("used", "=", False),
                ]
            )
        )
        return overrides if set(overrides.move_id.ids) == set(failure.documents.ids) else False

    def _credit_enforce(self, soft):
        """Refuses posting over available credit or on hold (block mode, no
        override); logs it on the invoice in warn mode."""
        if check.is_skipped():
            return self.env["credit.override"], []
        used = self.env["credit.override"]
        warnings = []
        for failure in self._credit_failures(soft=soft):
            if failure.company.credit_check_mode == "warn":
                warnings.append(failure)
                continue
            overrides = self._credit_is_overridden(failure)
            if not overrides:
                raise UserError(self._credit_message(failure, for_manager=False))
            used |= overrides
        return used, warnings

    def _post(self, soft=True):
        used, warnings = self._credit_enforce(soft)
        posted = super()._post(soft=soft)
        used.sudo().write({"used": True})
        for failure in warnings:
            message = self._credit_message(failure, for_manager=True, warning=True)
            for move in failure.documents & posted:
                move.message_post(body=message)
        return posted

    def action_post(self):
        if not check.is_skipped() and self.env.user.has_group(
            "credit_management.group_credit_control_manager"
        ):
            blocking = [
                failure
                for failure in self._credit_failures(soft=False, lock=False)
                if failure.company.credit_check_mode == "block"
                and not self._credit_is_overridden(failure)
            ]
            if blocking:
                return self.env["credit.override.wizard"]._open_for(self, blocking)
        return super().action_post()

    # ------------------------------------------------------------------
    # Messages and banner
    # ------------------------------------------------------------------

    @api.model
    def _credit_message(self, failure, for_manager, warning=False):
        env = self.env
        currency = failure.company.currency_id

        def money(amount):
            return formatLang(env, amount, currency_obj=currency)

        documents = ", ".join(failure.documents.mapped(lambda m: m.name or m.display_name))
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
        lines = [
            head,
            env._(
                "Credit limit: %s",
                money(failure.credit_limit) if failure.credit_limit else env._("none"),
            ),
            env._("Exposure: %s", money(failure.exposure)),
            env._(
                "This document (%(docs)s): %(amount)s", docs=documents, amount=money(failure.amount)
            ),
        ]
        if failure.excess:
            lines.append(env._("Excess: %s", money(failure.excess)))
        if warning:
            lines.insert(0, env._("Posted over the credit check (warning mode)."))
        elif not for_manager:
            lines.append(env._("A Credit Control Manager can override this check."))
        return "\n".join(lines)

    def _get_alerts(self):
        alerts = super()._get_alerts()
        if self.state == "draft" and self.move_type == "out_invoice" and self.partner_id:
            failures = self._credit_failures(lock=False) if self.id else []
            if failures:
                mode = self.company_id.credit_check_mode
                alerts["credit_management_check"] = {
                    "level": "danger" if mode == "block" else "warning",
                    "message": self._credit_message(failures[0], for_manager=True),
                }
        return alerts
