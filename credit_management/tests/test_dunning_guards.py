"""Dunning runs and reminders are written by the dunning code: their date,
origin, state, totals and customer drive levels, holds, cases and charges.
Also the migration of the first round of dunning fixes, letters, and a
preview confirmed after some of its customers were reminded."""

import ast
import datetime
from datetime import timedelta

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_path, load_script
from odoo.tests import tagged

from ..engine import privilege
from .test_dunning import DunningCommon

FUTURE = datetime.date(2099, 1, 1)


def _migration(name):
    path = f"{get_module_path('credit_management')}/migrations/19.0.1.1.0/{name}.py"
    return load_script(path, f"credit_management_migration_{name.replace('-', '_')}")


class DunningGuardCommon(DunningCommon):
    def _post_charges(self):
        income = self.company_data["default_account_revenue"]
        self.company.write(
            {
                "credit_dunning_post_charges": True,
                "credit_dunning_journal_id": self.company_data["default_journal_sale"].id,
                "credit_dunning_fee_account_id": income.id,
                "credit_dunning_interest_account_id": income.id,
            }
        )

    def _item(self, invoice):
        return invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")

    def _charges_moves(self):
        return self.env["account.move"].search(
            [("partner_id", "=", self.customer.id), ("credit_dunning_charges", "=", True)]
        )


@tagged("post_install", "-at_install")
class TestDunningRunGuards(DunningGuardCommon):
    """Collectors and managers start manual runs of today; everything else
    about a run is the code's."""

    def test_forged_runs_refused_on_create(self):
        for user in (self.controller, self.manager):
            runs = self.env["credit.dunning.run"].with_user(user)
            for vals, context in (
                ({"date": FUTURE}, {}),
                ({"date": self.today - timedelta(days=1)}, {}),
                ({"origin": "partner"}, {}),
                ({"origin": "cron", "state": "done"}, {}),
                ({"state": "done"}, {}),
                (
                    {"user_id": self.manager.id if user == self.controller else self.controller.id},
                    {},
                ),
                ({"stats": {"claimed": 1}}, {}),
                ({"log": "Forged"}, {}),
                # Defaults from the context count as values.
                ({}, {"default_date": "2099-01-01"}),
                ({}, {"default_origin": "cron", "default_state": "done"}),
            ):
                with (
                    self.subTest(user=user.login, vals=vals, context=context),
                    self.assertRaises(AccessError),
                ):
                    runs.with_context(**context).create({"company_id": self.company.id, **vals})
            run = runs.create({"company_id": self.company.id, "origin": "manual"})
            self.assertEqual((run.date, run.origin, run.state), (self.today, "manual", "draft"))
        # No forged run of the day made the nightly run skip the company.
        self.assertFalse(
            self.env["credit.dunning.run"].search(
                [("origin", "=", "cron"), ("company_id", "=", self.company.id)]
            )
        )

    def test_run_fields_refused_on_write(self):
        run = (
            self.env["credit.dunning.run"]
            .with_user(self.controller)
            .create({"company_id": self.company.id})
        )
        other = self.setup_other_company(name="Run Guard Other")["company"]
        for vals in (
            {"date": FUTURE},
            {"origin": "cron"},
            {"origin": "partner"},
            {"state": "done"},
            {"user_id": self.manager.id},
            {"stats": {}},
            {"log": "x"},
            {"company_id": other.id},
        ):
            for user in (self.controller, self.manager):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    run.with_user(user).write(vals)
        self.assertEqual((run.date, run.origin, run.state), (self.today, "manual", "draft"))

    def test_future_run_neither_previews_nor_confirms(self):
        self._eu_interest()
        self.final.charge_interest = True
        self.policy.skip_levels = True
        self._invoice(self.customer, 10000, due_days=-70, date_days=-70)
        # Only the code can date a run (a simulation); the actions refuse it.
        run = self.env["credit.dunning.run"]._create_run(self.company, "manual", FUTURE)
        with self.assertRaises(UserError):
            run.with_user(self.controller).action_preview()
        self.assertFalse(run.communication_ids)
        run._execute(confirm=False)
        with self.assertRaises(UserError):
            run.with_user(self.controller).action_confirm()
        with self.assertRaises(UserError):
            run.communication_ids.with_user(self.controller).action_send_now()
        self.assertEqual(run.communication_ids.state, "draft")
        self.assertFalse(self.env["credit.dunning.claim"].search([("date", "=", FUTURE)]))


@tagged("post_install", "-at_install")
class TestDunningCommunicationGuards(DunningGuardCommon):
    """A reminder's customer, totals, status and links are the run's."""

    def test_sent_reminder_cannot_be_sent_again(self):
        self._post_charges()
        self.policy.skip_levels = True
        self._invoice(self.customer, 1000, due_days=-70, date_days=-70)
        comm = self._comm(self._run())
        self.assertEqual((comm.level_id, comm.state), (self.final, "sent"))
        self.assertEqual(len(self._charges_moves()), 1)
        for user in (self.controller, self.manager):
            mine = comm.with_user(user)
            for vals in (
                {"state": "to_send"},
                {"charge_move_id": False},
                {"postponed_until": False},
                {"mail_id": False},
                {"letter_printed": True},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    mine.write(vals)
            mine.action_send_now()  # a sent reminder is not sent again
        self.assertEqual(comm.state, "sent")
        self.assertEqual(len(self._charges_moves()), 1)
        self.assertEqual(
            comm.mail_id.search_count([("model", "=", comm._name), ("res_id", "=", comm.id)]), 1
        )

    def test_preview_totals_and_customer_refused(self):
        other = self.env["res.partner"].create(
            {"name": "Other Address", "is_company": True, "email": "other@example.com"}
        )
        self._post_charges()
        self._invoice(self.customer, 1000, due_days=-20, date_days=-20)
        preview = (
            self.env["credit.dunning.run"]
            .with_user(self.controller)
            .create({"company_id": self.company.id})
        )
        preview.action_preview()
        comm = preview.communication_ids
        self.assertEqual(len(comm), 1)
        for user in (self.controller, self.manager):
            for vals in (
                {"fee_total": 5000},
                {"interest_total": 5000},
                {"compensation_total": 5000},
                {"listed_total": 0},
                {"partner_id": other.id},
                {"level_id": self.final.id},
                {"date": FUTURE},
                {"channel_letter": True},
                {
                    "run_id": self.env["credit.dunning.run"]
                    .create({"company_id": self.company.id})
                    .id
                },
                {"line_ids": [Command.clear()]},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    comm.with_user(user).write(vals)
        preview.with_user(self.controller).action_confirm()
        self.assertEqual(comm.state, "sent")
        self.assertEqual(comm.partner_id, self.customer)
        self.assertFalse(self._charges_moves(), "the pre-due level charges nothing")
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", other.id)]))

    def test_nobody_creates_a_reminder(self):
        run = self.env["credit.dunning.run"].create({"company_id": self.company.id})
        vals = {
            "run_id": run.id,
            "company_id": self.company.id,
            "partner_id": self.customer.id,
            "policy_id": self.policy.id,
            "level_id": self.final.id,
            "date": self.today,
            "currency_id": self.currency.id,
            "state": "to_send",
            "fee_total": 5000,
        }
        Comm = self.env["credit.dunning.communication"]
        for comms in (Comm.with_user(self.controller), Comm.with_user(self.manager), Comm.sudo()):
            with self.subTest(user=comms.env.user.login), self.assertRaises(AccessError):
                comms.create(vals)
        # The dunning code may.
        with privilege.granted(privilege.DUNNING_RUN):
            self.assertTrue(Comm.sudo().create(vals))


@tagged("post_install", "-at_install")
class TestDunningMigration(DunningGuardCommon):
    """The update to 19.0.1.1.0 on a database dunned by the earlier code."""

    def test_earlier_charges_invoices_are_marked(self):
        self._post_charges()
        self.policy.skip_levels = True
        self._invoice(self.customer, 1000, due_days=-70, date_days=-70)
        charges = self._comm(self._run()).charge_move_id
        self.assertTrue(charges)
        other = self._invoice(self.customer, 100)
        self.env.flush_all()
        # Posted by the earlier code: no mark.
        self.env.cr.execute(
            "UPDATE account_move SET credit_dunning_charges = FALSE WHERE id = %s", [charges.id]
        )
        self.env.invalidate_all()
        self.assertFalse(charges.credit_dunning_charges)
        _migration("post-migrate").mark_charges(self.env.cr)
        self.env.invalidate_all()
        self.assertTrue(charges.credit_dunning_charges)
        self.assertFalse(other.credit_dunning_charges)

    def test_items_keep_the_level_of_the_last_reminder_sent(self):
        sent = self._invoice(self.customer, 1000, due_days=-40, date_days=-40)
        comm = self._comm(self._run())
        self.assertEqual((comm.level_id, comm.state), (self.pre_due, "sent"))
        # A week later the customer has no address any more: blocked.
        self.customer.write({"email": False, "street": False})
        unsent = self._invoice(self.customer, 500, due_days=-40, date_days=-40)
        blocked = self._comm(self._run(7))
        self.assertEqual(blocked.state, "blocked")
        self.env.flush_all()
        # What the earlier code left: levels applied when the blocked reminder
        # was marked to send, its lines still raising them.
        cr = self.env.cr
        later = self.today + timedelta(days=7)
        cr.execute(
            "UPDATE credit_dunning_line SET new_level = TRUE "
            "WHERE communication_id = %s AND level_id IS DISTINCT FROM previous_level_id",
            [blocked.id],
        )
        cr.execute(
            "UPDATE credit_dunning_item SET level_id = %s, date = %s WHERE move_line_id = %s",
            [self.first.id, later, self._item(sent).id],
        )
        cr.execute(
            "INSERT INTO credit_dunning_item (move_line_id, level_id, date) VALUES (%s, %s, %s)",
            [self._item(unsent).id, self.pre_due.id, later],
        )
        forged = self.env["res.partner"].create({"name": "Claimed till 2099", "is_company": True})
        self.env.flush_all()
        cr.execute(
            "INSERT INTO credit_dunning_claim (company_id, partner_id, date) VALUES (%s, %s, %s)",
            [self.company.id, forged.id, FUTURE],
        )
        self.env.invalidate_all()
        self.assertEqual(sent.credit_dunning_level_id, self.first)
        pre = _migration("pre-migrate")
        pre.release_unsent_levels(cr)
        pre.rebuild_dunning_items(cr)
        pre.release_future_claims(cr)
        self.env.invalidate_all()
        self.assertFalse(blocked.line_ids.filtered("new_level"))
        self.assertEqual(sent.credit_dunning_level_id, self.pre_due)
        self.assertEqual(sent.credit_dunning_date, self.today)
        self.assertFalse(unsent.credit_dunning_level_id)
        self.assertFalse(self.env["credit.dunning.claim"].search([("date", "=", FUTURE)]))
        # The next run reminds both at the level they never got, not beyond.
        self.customer.write({"email": "customer@example.com"})
        comm = self._comm(self._run(8))
        self.assertEqual(comm.state, "sent")
        self.assertEqual(sent.credit_dunning_level_id, self.first)
        self.assertEqual(unsent.credit_dunning_level_id, self.pre_due)


@tagged("post_install", "-at_install")
class TestDunningLetters(DunningGuardCommon):
    def _letters_to_print(self):
        arch = etree.fromstring(
            self.env.ref("credit_management.credit_dunning_communication_view_search").arch
        )
        (node,) = arch.xpath("//filter[@name='letters_to_print']")
        domain = ast.literal_eval(node.get("domain"))
        return self.env["credit.dunning.communication"].search(domain)

    def test_letter_counts_as_sent_and_waits_to_be_printed(self):
        self.policy.skip_levels = True
        self.first.write({"channel_email": False, "channel_letter": True})
        invoice = self._invoice(self.customer, 1000, due_days=-15, date_days=-15)
        comm = self._comm(self._run())
        self.assertEqual((comm.level_id, comm.state), (self.first, "sent"))
        self.assertTrue(comm.channel_letter)
        self.assertFalse(comm.letter_printed)
        # Documented: the letter counts as sent with its reminder...
        self.assertEqual(invoice.credit_dunning_level_id, self.first)
        # ... and is listed to print until someone prints it.
        self.assertIn(comm, self._letters_to_print())
        comm.with_user(self.controller).action_print_letter()
        self.assertTrue(comm.letter_printed)
        self.assertNotIn(comm, self._letters_to_print())


@tagged("post_install", "-at_install")
class TestDunningSupersededPreview(DunningGuardCommon):
    """A customer reminded after the preview was computed is left out of it
    when it is confirmed; the others are reminded."""

    def _confirm_after_reminder(self):
        other = self.env["res.partner"].create(
            {"name": "Second Debtor", "is_company": True, "email": "second@example.com"}
        )
        self._invoice(self.customer, 100, due_days=-20, date_days=-20)
        self._invoice(other, 200, due_days=-20, date_days=-20)
        preview = (
            self.env["credit.dunning.run"]
            .with_user(self.controller)
            .create({"company_id": self.company.id})
        )
        preview.action_preview()
        self.assertEqual(len(preview.communication_ids), 2)
        # Meanwhile the customer is reminded from its form: same items, same level.
        self.customer.with_user(self.controller).action_credit_send_reminder()
        preview.action_confirm()
        self.assertEqual(preview.state, "done")
        self.assertEqual(preview.communication_ids.partner_id, other)
        self.assertEqual(preview.communication_ids.state, "sent")
        self.assertEqual(preview.stats["superseded"], 1)
        self.assertIn("reminded since the preview", str(preview.stats_html))
        self.assertFalse(
            self.env["credit.dunning.claim"].search(
                [("run_id", "=", preview.id), ("partner_id", "=", self.customer.id)]
            )
        )
        self.assertEqual(
            self.env["credit.dunning.communication"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            1,
        )

    def test_customer_reminded_since_the_preview_is_left_out(self):
        self._confirm_after_reminder()

    def test_clash_found_while_marking_is_left_out_too(self):
        # As when a concurrent reminder commits between the check and the marking.
        Comm = self.env.registry["credit.dunning.communication"]
        self.patch(Comm, "_superseded", lambda self: self.browse())
        self._confirm_after_reminder()
