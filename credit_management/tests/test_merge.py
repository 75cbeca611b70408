from datetime import timedelta

from odoo.tests import tagged

from .test_collection import CollectionCommon


@tagged("post_install", "-at_install")
class TestMergeCustomersWithCases(CollectionCommon):
    """Two customers that each have an open collection case can be merged:
    one case goes on with everything both covered, the other is closed."""

    def _merge(self, partners, destination):
        self.env.flush_all()
        self.env["base.partner.merge.automatic.wizard"]._merge(
            partners.ids, destination, extra_checks=False
        )

    def test_merge_keeps_the_destinations_case(self):
        duplicate = self.env["res.partner"].create({"name": "Customer Dup", "is_company": True})
        first = self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        second = self._invoice(duplicate, 400, due_days=-10, date_days=-40)
        kept = self._case()
        kept.user_id = self.controller
        other = self._case(duplicate)
        other.user_id = self.manager
        promise = self.env["credit.collection.promise"].create(
            {
                "partner_id": duplicate.id,
                "amount": 400,
                "date": self.today + timedelta(days=5),
            }
        )
        self.assertEqual(promise.case_id, other)

        self._merge(self.customer | duplicate, self.customer)

        self.assertFalse(duplicate.exists())
        self.assertEqual(kept.stage_type, "promised", "the promise it took over is open")
        self.assertEqual(kept.user_id, self.controller)
        self.assertEqual(kept.item_ids, self._item(first) | self._item(second))
        self.assertEqual(kept.amount_due, 1400)
        self.assertEqual(promise.case_id, kept)
        self.assertEqual(other.stage_type, "closed")
        self.assertEqual(other.partner_id, self.customer)
        self.assertIn(other.name, kept.message_ids[0].body)
        self.assertIn(self.manager.partner_id, kept.message_ids[0].partner_ids)
        open_cases = self.Case.search(
            [("partner_id", "=", self.customer.id), ("stage_type", "not in", ("closed",))]
        )
        self.assertEqual(open_cases, kept)

    def test_merge_into_a_customer_without_case_keeps_the_oldest(self):
        target = self.env["res.partner"].create({"name": "Target", "is_company": True})
        duplicate = self.env["res.partner"].create({"name": "Customer Dup", "is_company": True})
        self._invoice(self.customer, 1000, due_days=-20, date_days=-50)
        self._invoice(duplicate, 400, due_days=-10, date_days=-40)
        oldest = self._case()
        oldest.date_opened = self.today - timedelta(days=30)
        newer = self._case(duplicate)
        self._merge(self.customer | duplicate | target, target)
        self.assertEqual(oldest.partner_id, target)
        self.assertNotIn(oldest.stage_type, ("closed", "written_off"))
        self.assertEqual(newer.stage_type, "closed")
        self.assertEqual(oldest.amount_due, 1400)
