from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestGroupCheck(CreditCommon):
    """The group's limit holds on the exposure of the whole group, whichever
    member is invoiced, and on every document of one posting."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.holding = Partner.create({"name": "Holding", "is_company": True})
        cls.north, cls.south = Partner.create(
            [
                {"name": name, "is_company": True, "parent_id": cls.holding.id}
                for name in ("North", "South")
            ]
        )
        cls.holding.with_company(cls.company).credit_limit = 3000

    def test_posting_to_the_parent_counts_the_subsidiaries(self):
        self._invoice(self.north, 2000)
        invoice = self._invoice(self.holding, 1500, post=False)
        with self.assertRaises(UserError) as error:
            invoice._post(soft=False)
        self.assertIn("group Holding", str(error.exception))
        self.company.credit_check_group = False
        invoice._post(soft=False)  # its own exposure: 1,500 of 3,000
        self.assertEqual(invoice.state, "posted")

    def test_two_subsidiaries_posted_together_add_up(self):
        north = self._invoice(self.north, 1600, post=False)
        south = self._invoice(self.south, 1600, post=False)
        with self.assertRaises(UserError):
            (north | south)._post(soft=False)
        self.assertEqual((north.state, south.state), ("draft", "draft"))
        north._post(soft=False)
        with self.assertRaises(UserError):
            south._post(soft=False)

    def test_group_failure_can_be_overridden_per_document(self):
        north = self._invoice(self.north, 1600, post=False)
        south = self._invoice(self.south, 1600, post=False)
        failures = (north | south)._credit_failures(lock=False)
        self.assertEqual({f.partner for f in failures}, {self.north, self.south})
        self.assertTrue(all(f.group == self.holding and f.excess == 200 for f in failures))
