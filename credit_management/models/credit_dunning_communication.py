import datetime
import logging

import psycopg2.errors
import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount

from ..engine import check, dunning, privilege

_logger = logging.getLogger(__name__)
SEND_BATCH = 200
CHANNELS = ("email", "letter", "phone", "sms")
# Set by the dunning code only (engine.privilege.DUNNING_RUN): they decide
# what a reminder says, to whom, and what sending it raises, holds, opens and
# charges.
COMMUNICATION_FIELDS = frozenset(
    {
        "run_id",
        "company_id",
        "partner_id",
        "policy_id",
        "level_id",
        "date",
        "currency_id",
        "state",
        "reason",
        "postponed_until",
        "line_ids",
        "channel_email",
        "channel_letter",
        "channel_phone",
        "channel_sms",
        "mail_id",
        "activity_id",
        "charge_move_id",
        "letter_printed",
        "listed_total",
        "credit_total",
        "fee_total",
        "interest_total",
        "compensation_total",
    }
)


class CreditDunningCommunication(models.Model):
    _name = "credit.dunning.communication"
    _description = "Dunning Communication"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    run_id = fields.Many2one(
        "credit.dunning.run", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, readonly=True
    )
    policy_id = fields.Many2one("credit.dunning.policy", required=True, readonly=True)
    level_id = fields.Many2one("credit.dunning.level", string="Level", required=True, readonly=True)
    date = fields.Date(required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    state = fields.Selection(
        selection=[
            ("draft", "Preview"),
            ("to_send", "To Send"),
            ("postponed", "Postponed"),
            ("sent", "Sent"),
            ("blocked", "Blocked"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        index=True,
        tracking=True,
        readonly=True,
    )
    reason = fields.Text(
        help="Why the communication was postponed, blocked or failed.", readonly=True
    )
    postponed_until = fields.Datetime(readonly=True)
    line_ids = fields.One2many(
        "credit.dunning.line", "communication_id", string="Lines", readonly=True
    )
    # Channels actually used (the level's, less the customer's opt-outs)
    channel_email = fields.Boolean(string="Email", readonly=True)
    channel_letter = fields.Boolean(string="Letter", readonly=True)
    channel_phone = fields.Boolean(string="Phone Call", readonly=True)
    channel_sms = fields.Boolean(string="SMS", readonly=True)
    recipient_id = fields.Many2one("res.partner", compute="_compute_recipient_id")
    mail_id = fields.Many2one(
        "mail.mail", string="Email Sent", readonly=True, index="btree_not_null"
    )
    mail_state = fields.Selection(related="mail_id.state", string="Email Status")
    mail_failure = fields.Text(related="mail_id.failure_reason", string="Email Failure")
    activity_id = fields.Many2one("mail.activity", string="Call Activity", readonly=True)
    charge_move_id = fields.Many2one(
        "account.move", string="Charges Invoice", readonly=True, index="btree_not_null"
    )
    letter_printed = fields.Boolean(readonly=True)
    # Totals (company currency)
    listed_total = fields.Monetary(string="Items Due", readonly=True)
    credit_total = fields.Monetary(string="Unapplied Credits", readonly=True)
    fee_total = fields.Monetary(string="Fees", readonly=True)
    interest_total = fields.Monetary(string="Interest", readonly=True)
    compensation_total = fields.Monetary(string="Compensation", readonly=True)
    amount_due = fields.Monetary(string="Total Due", compute="_compute_amount_due")

    @api.depends(
        "listed_total", "credit_total", "fee_total", "interest_total", "compensation_total"
    )
    def _compute_amount_due(self):
        for comm in self:
            comm.amount_due = (
                comm.listed_total
                - comm.credit_total
                + comm.fee_total
                + comm.interest_total
                + comm.compensation_total
            )

    @api.depends("partner_id")
    def _compute_recipient_id(self):
        for comm in self:
            invoice = comm.partner_id.child_ids.filtered(lambda c: c.type == "invoice" and c.email)[
                :1
            ]
            comm.recipient_id = invoice or comm.partner_id

    def _compute_display_name(self):
        for comm in self:
            comm.display_name = self.env._(
                "%(level)s to %(partner)s (%(date)s)",
                level=comm.level_id.name,
                partner=comm.partner_id.display_name,
                date=comm.date,
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # Reminders are written by the run, in SQL: nobody creates one by hand.
        if not self.env["credit.dunning.run"]._dunning_privileged():
            raise AccessError(self.env._("Reminders are created by dunning runs only."))
        return super().create(vals_list)

    def write(self, vals):
        forged = COMMUNICATION_FIELDS.intersection(vals)
        if forged and not self.env["credit.dunning.run"]._dunning_privileged():
            raise AccessError(
                self.env._(
                    "Only the dunning run and the reminder's actions change these fields "
                    "of a reminder: %s",
                    ", ".join(
                        self._fields[name]._description_string(self.env) for name in sorted(forged)
                    ),
                )
            )
        return super().write(vals)

    # ------------------------------------------------------------------
    # Apply and send
    # ------------------------------------------------------------------

    def _apply(self):
        """These (previewed) communications become ready to send. A preview
        is confirmed on its own day only; its customers are claimed for the
        day then, and those reminded meanwhile by another run of the day,
        or whose items reached the preview's levels since (a reminder asked
        from the customer), are dropped from it and named in the run's
        summary. Levels rise when the reminders go out."""
        comms = self.filtered(lambda c: c.state == "draft")
        if not comms:
            return
        today = fields.Date.context_today(self)
        stale = comms.filtered(lambda c: c.date != today)
        if stale:
            raise UserError(
                self.env._(
                    "This preview was computed for %s, not today: its figures do not hold. "
                    "Cancel it and compute a new one.",
                    min(stale.mapped("date")),
                )
            )
        with privilege.granted(privilege.DUNNING_RUN):
            comms = comms._claim_debtors()
            if not comms:
                return
            self.env["credit.dunning.run"]._flush_for_sql()
            comms = comms._mark_to_send()
        comms.invalidate_recordset(
            ["state", "channel_email", "channel_letter", "channel_phone", "channel_sms"]
        )
        self.env["credit.dunning.line"].invalidate_model(["new_level"])

    def _mark_to_send(self):
        """Marks these previewed communications ready to send (set-based),
        dropping first those of customers whose items reached the same
        levels since the preview (the unique level per item would refuse
        them). A clash that appears meanwhile (a concurrent reminder) falls
        back to one communication at a time. Returns those marked."""
        self._drop_superseded(self._superseded())
        comms = self.exists()
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(dunning.mark_to_send(comms.ids), log_exceptions=False)
        except psycopg2.errors.UniqueViolation:
            comms = comms.exists()  # one at a time below
        else:
            return comms
        superseded = self.browse()
        for comm in comms:
            try:
                with self.env.cr.savepoint():
                    self.env.cr.execute(dunning.mark_to_send(comm.ids), log_exceptions=False)
            except psycopg2.errors.UniqueViolation:
                superseded |= comm
        self._drop_superseded(superseded)
        return comms - superseded

    def _superseded(self):
        """The communications among these whose items already reached the
        level they would raise them to."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT line.communication_id FROM credit_dunning_line line
                  JOIN credit_dunning_line other
                       ON other.move_line_id = line.move_line_id
                      AND other.level_id = line.level_id AND other.new_level
                 WHERE line.communication_id = ANY(%s) AND line.kind = 'item'
                   AND line.level_id IS DISTINCT FROM line.previous_level_id
                """,
                self.ids,
            )
        )
        return self.browse(comm_id for (comm_id,) in rows)

    def _drop_superseded(self, comms):
        """Leaves the customers of ``comms`` out of their previews: their
        reminders go, their claims of the day are released, and the run's
        summary counts them."""
        for run, dropped in comms.grouped("run_id").items():
            run._count("superseded", len(dropped))
            self.env.cr.execute(
                SQL(
                    "DELETE FROM credit_dunning_claim WHERE run_id = %s AND partner_id = ANY(%s)",
                    run.id,
                    dropped.partner_id.ids,
                )
            )
            # Previewed reminders the code found superseded: deleted whatever
            # the confirming user's rights on communications.
            dropped.sudo().unlink()

    def _claim_debtors(self):
        """Claims the customers of these communications for their runs' day
        (a reminder asked from the customer needs none); drops the
        communications of customers another run claimed. Returns the rest."""
        kept = self.browse()
        for run, comms in self.grouped("run_id").items():
            if run.origin == "partner":
                kept |= comms
                continue
            claimed = set(run._claim(comms.partner_id.ids))
            dropped = self.browse(c.id for c in comms if c.partner_id.id not in claimed)
            if dropped:
                run._count("claimed", len(dropped))
                # Previewed reminders the code found superseded: deleted
                # whatever the confirming user's rights on communications.
                dropped.sudo().unlink()
            kept |= comms - dropped
        return kept

    def _apply_levels(self, today):
        """These communications went out (``today``): the items take the
        levels of their lines; then the final-level actions and the
        charges."""
        if not self:
            return
        self.env["credit.dunning.run"]._flush_for_sql()
        self.env.cr.execute(dunning.apply_levels(self.ids, today))
        self.env["credit.dunning.item"].invalidate_model()
        self.env["account.move.line"].invalidate_model(
            ["credit_dunning_level_id", "credit_dunning_date"]
        )
        self.env["account.move"].invalidate_model(
            ["credit_dunning_level_id", "credit_dunning_date"]
        )
        self._final_level_actions()
        self._post_charges()

    def _release_levels(self):
        """Blocked or failed: the customer never got the reminder, so its
        items keep their levels and the next run may raise them again."""
        self.env["credit.dunning.run"]._flush_for_sql()
        self.env.cr.execute(dunning.release_levels(self.ids))
        self.env["credit.dunning.line"].invalidate_model(["new_level"])

    def _post_charges(self):
        """Invoices the reminder's fees, interest and compensation, where the
        company chooses so: one posted invoice per reminder, no tax."""
        for comm in self.filtered(
            lambda c: (
                c.company_id.credit_dunning_post_charges
                and c.fee_total + c.interest_total + c.compensation_total > 0
                and not c.charge_move_id
            )
        ):
            company = comm.company_id
            lines = [
                (amount, label, account)
                for amount, label, account in (
                    (
                        comm.fee_total,
                        self.env._("Reminder fees (%s)", comm.level_id.name),
                        company.credit_dunning_fee_account_id,
                    ),
                    (
                        comm.interest_total,
                        self.env._("Late payment interest"),
                        company.credit_dunning_interest_account_id,
                    ),
                    (
                        comm.compensation_total,
                        self.env._("Fixed compensation for recovery costs"),
                        company.credit_dunning_fee_account_id,
                    ),
                )
                if amount
            ]
            with dunning.posting_charges():
                move = comm._create_charges_move(company, lines)
            with check.skipped():  # charges for a reminder are not new credit
                move.action_post()
            comm.charge_move_id = move

    def _create_charges_move(self, company, lines):
        """The charges invoice, marked so that it earns no interest or
        compensation of its own once overdue."""
        return (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "credit_dunning_charges": True,
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id.id,
                    "journal_id": company.credit_dunning_journal_id.id,
                    "invoice_date": self.date,
                    "currency_id": self.currency_id.id,
                    "invoice_origin": self.display_name,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": label,
                                "quantity": 1,
                                "price_unit": amount,
                                "account_id": account.id,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for amount, label, account in lines
                    ],
                }
            )
        )

    def _final_level_actions(self):
        for comm in self.filtered(lambda c: c.level_id.hold_partner):
            partner = comm.partner_id.with_company(comm.company_id)
            if not partner.credit_hold:
                partner.sudo()._credit_set_hold(
                    self.env._("Dunning level %s reached", comm.level_id.name)
                )
        self.filtered(lambda c: c.level_id.open_case)._open_collection_case()

    def _open_collection_case(self):
        """Final level: the customer's collection case (opened when there is
        none) takes over the reminded items, and its collector is told."""
        Case = self.env["credit.collection.case"].sudo()
        for comm in self:
            items = comm.line_ids.move_line_id.filtered(lambda line: line.amount_residual > 0)
            company = comm.company_id
            case = Case._for_partner(
                comm.partner_id, company, values=comm._collection_case_values()
            )
            case.item_ids |= items
            case._notify_collector(
                self.env._("Collection case from dunning"),
                self.env._(
                    "Dunning level %(level)s reached on %(date)s: %(amount)s %(currency)s due.",
                    level=comm.level_id.name,
                    date=comm.date,
                    amount=comm.amount_due,
                    currency=comm.currency_id.name,
                ),
            )

    def _collection_case_values(self):
        team = self.company_id.credit_collection_team_id
        user = self.level_id.phone_user_id or team.user_id or self.partner_id.user_id
        return {"team_id": team.id, "user_id": user.id}

    def _send(self, now=None):
        """Sends what is due now, through the channels left after the contact
        rules; postpones or blocks (with the reason) what they forbid."""
        now = now or fields.Datetime.now()
        with privilege.granted(privilege.DUNNING_RUN):
            for comm in self.filtered(
                lambda c: (
                    c.state == "to_send"
                    or (
                        c.state == "postponed"
                        and (not c.postponed_until or c.postponed_until <= now)
                    )
                )
            ):
                try:
                    with self.env.cr.savepoint():
                        comm._send_one(now)
                except Exception as error:
                    _logger.exception("Dunning communication %s failed", comm.id)
                    comm.write({"state": "failed", "reason": str(error)})
                    comm._release_levels()

    def _send_one(self, now):
        """Sends through the channels left after the contact rules. Only a
        reminder that goes out raises its items' levels and has the
        final-level actions and charges; a blocked one gives its levels back.

        "Goes out" is decided now: at least one channel has an address (an
        email address, a postal address, a phone number) and is not refused
        by the customer. An email handed to the mail queue has gone out: a
        later bounce shows on the communication (Email Not Delivered) for a
        person to follow up, and does not undo the level."""
        verdict = self._guardrails(now)
        if verdict:
            self.write(verdict)
            if verdict["state"] == "blocked":
                self._release_levels()
            return
        if self.channel_email:
            self._send_email()
        if self.channel_phone:
            self._schedule_call()
        if self.channel_sms:
            self._send_sms()
        self.write({"state": "sent", "reason": False, "postponed_until": False})
        self._apply_levels(max(self.date, now.date()))

    def _guardrails(self, now):
        """Contact rules: the company's (off by default) cease request and
        opt-outs drop channels or block the communication, quiet hours and
        the contact cap postpone it; channels without an address are always
        dropped. Returns the values to write, or None."""
        company = self.company_id
        partner = self.partner_id
        if company.credit_guardrails and partner.credit_cease_communication:
            return {
                "state": "blocked",
                "reason": self.env._("The customer asked us to cease communication."),
            }
        if company.credit_guardrails:
            self._drop_channels(
                [channel for channel in CHANNELS if partner[f"credit_optout_{channel}"]],
                self.env._("Channels left out at the customer's request: %s"),
            )
        self._drop_channels(
            self._unreachable_channels(),
            self.env._("Channels left out for want of an address: %s"),
        )
        if not any(self[f"channel_{channel}"] for channel in CHANNELS):
            return {
                "state": "blocked",
                "reason": self.env._(
                    "No channel of this level reaches the customer (opted out or no address)."
                ),
            }
        if not company.credit_guardrails:
            return None
        later = self._quiet_hours_end(now)
        if later:
            return {
                "state": "postponed",
                "postponed_until": later,
                "reason": self.env._("Quiet hours at the customer's location."),
            }
        later = self._contact_cap_end(now)
        if later:
            return {
                "state": "postponed",
                "postponed_until": later,
                "reason": self.env._(
                    "Contact cap reached: %(count)s contacts in %(days)s days.",
                    count=company.credit_contact_cap,
                    days=company.credit_contact_window,
                ),
            }
        return None

    def _drop_channels(self, channels, message):
        dropped = [channel for channel in channels if self[f"channel_{channel}"]]
        if dropped:
            self.write({f"channel_{channel}": False for channel in dropped})
            self.message_post(body=message % ", ".join(dropped))

    def _unreachable_channels(self):
        """Channels of this communication with nowhere to go."""
        recipient, partner = self.recipient_id, self.partner_id
        phone = partner.phone or recipient.phone
        missing = {
            "email": not recipient.email,
            "letter": not (recipient.street and (recipient.zip or recipient.city)),
            "phone": not phone,
            "sms": not partner.phone or "sms.sms" not in self.env,
        }
        return [channel for channel in CHANNELS if missing[channel]]

    def _quiet_hours_end(self, now):
        """The next allowed moment (UTC, naive) when ``now`` falls in the
        customer's quiet hours, else None. Letters are not contacts in time."""
        if not (self.channel_email or self.channel_phone or self.channel_sms):
            return None
        company = self.company_id
        tz = pytz.timezone(self.partner_id.tz or company.partner_id.tz or "UTC")
        local = pytz.utc.localize(now).astimezone(tz)
        hour = local.hour + local.minute / 60.0
        start, end = company.credit_quiet_start, company.credit_quiet_end
        if start <= hour < end:
            return None
        day = local.date() if hour < start else local.date() + datetime.timedelta(days=1)
        opening = tz.localize(
            datetime.datetime.combine(day, datetime.time(int(start), round(start % 1 * 60)))
        )
        return opening.astimezone(pytz.utc).replace(tzinfo=None)

    def _contact_cap_end(self, now):
        """When the rolling window frees a contact, if the cap is reached."""
        company = self.company_id
        cap, window = company.credit_contact_cap, company.credit_contact_window
        if cap <= 0 or window <= 0:
            return None
        since = now - datetime.timedelta(days=window)
        contacts = self.search(
            [
                ("partner_id", "=", self.partner_id.id),
                ("state", "=", "sent"),
                ("write_date", ">", since),
                ("id", "!=", self.id),
            ],
            order="write_date asc",
        )
        if len(contacts) < cap:
            return None
        return contacts[len(contacts) - cap].write_date + datetime.timedelta(days=window)

    def _send_email(self):
        template = self.level_id.mail_template_id or self.env.ref(
            "credit_management.mail_template_dunning"
        )
        if not self.recipient_id.email:
            raise UserError(self.env._("%s has no email address.", self.recipient_id.display_name))
        mail_id = template.send_mail(self.id, email_layout_xmlid="mail.mail_notification_light")
        self.mail_id = mail_id

    def _schedule_call(self):
        level = self.level_id
        user = level.phone_user_id or self.partner_id.user_id or self.run_id.user_id
        self.activity_id = self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                "res_id": self.partner_id.id,
                "activity_type_id": self.env.ref("mail.mail_activity_data_call").id,
                "user_id": user.id,
                "summary": self.env._("Dunning call: %s", level.name),
                "note": self.env._(
                    "%(amount)s %(currency)s due; see the reminder of %(date)s.",
                    amount=self.amount_due,
                    currency=self.currency_id.name,
                    date=self.date,
                ),
                "date_deadline": self.date,
            }
        )

    def _send_sms(self):
        """SMS through Odoo's sms module when it is installed."""
        if "sms.sms" not in self.env:
            return
        number = self.partner_id.phone
        if not number:
            raise UserError(self.env._("%s has no phone number.", self.partner_id.display_name))
        self.env["sms.sms"].sudo().create(
            {
                "number": number,
                "partner_id": self.partner_id.id,
                "body": self.env._(
                    "%(company)s: %(amount)s is overdue. Please pay or call us.",
                    company=self.company_id.name,
                    amount=format_amount(self.env, self.amount_due, self.currency_id),
                ),
            }
        )

    @api.model
    def _cron_send(self, commit=None):
        """Sends pending and postponed-then-due communications in batches."""
        commit = commit or (lambda *args, **kwargs: None)
        now = fields.Datetime.now()
        domain = [
            "|",
            ("state", "=", "to_send"),
            "&",
            ("state", "=", "postponed"),
            ("postponed_until", "<=", now),
        ]
        while True:
            batch = self.search(domain, limit=SEND_BATCH, order="id")
            if not batch:
                break
            batch._send()
            commit(len(batch))
            if batch.filtered(lambda c: c.state in ("to_send",)):
                break  # nothing moved: do not loop forever

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_send_now(self):
        """Sends selected communications now (contact rules still apply)."""
        self.filtered(lambda c: c.state == "draft")._apply()
        comms = self.exists()
        # A failed or blocked reminder gave its levels back: the next run
        # reminds the customer afresh.
        with privilege.granted(privilege.DUNNING_RUN):
            comms.filtered(lambda c: c.state in ("to_send", "postponed")).write(
                {"state": "to_send", "postponed_until": False}
            )
        comms._send()
        return True

    def action_print_letter(self):
        self._mark_printed()
        return self.env.ref("credit_management.action_report_dunning_letter").report_action(self)

    def _mark_printed(self):
        with privilege.granted(privilege.DUNNING_RUN):
            self.write({"letter_printed": True})


class CreditDunningLine(models.Model):
    _name = "credit.dunning.line"
    _description = "Dunning Line"
    _order = "communication_id, kind desc, date_maturity, id"
    # A run writes a line per listed item (100,000 a night on big databases):
    # run, company, customer and date come from the communication rather than
    # from columns of their own, each a foreign key checked on every insert.
    _log_access = False

    communication_id = fields.Many2one(
        "credit.dunning.communication", required=True, ondelete="cascade", index=True
    )
    run_id = fields.Many2one(related="communication_id.run_id")
    company_id = fields.Many2one(related="communication_id.company_id")
    partner_id = fields.Many2one(related="communication_id.partner_id", string="Customer")
    date = fields.Date(related="communication_id.date")
    move_line_id = fields.Many2one(
        "account.move.line", string="Journal Item", required=True, index=True
    )
    move_id = fields.Many2one("account.move", string="Invoice", required=True, index=True)
    kind = fields.Selection(
        selection=[("item", "Due item"), ("credit", "Unapplied credit")], required=True
    )
    level_id = fields.Many2one("credit.dunning.level", string="Level")
    previous_level_id = fields.Many2one("credit.dunning.level", string="Previous Level")
    new_level = fields.Boolean(
        help="This reminder raises the item to its level: set once it is ready to send, "
        "cleared when it is blocked or fails (a preview raises nothing)."
    )
    date_maturity = fields.Date(string="Due Date")
    days_late = fields.Integer()
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    currency_id = fields.Many2one("res.currency", string="Item Currency")
    amount_residual = fields.Monetary(string="Amount Due", currency_field="company_currency_id")
    amount_residual_currency = fields.Monetary(string="Amount in Currency")
    fee = fields.Monetary(currency_field="company_currency_id")
    interest = fields.Monetary(currency_field="company_currency_id")
    compensation = fields.Monetary(currency_field="company_currency_id")
    state = fields.Selection(related="communication_id.state")

    _item_level_uniq = models.UniqueIndex(
        "(move_line_id, level_id) WHERE new_level",
        "An item reaches each level once.",
    )
