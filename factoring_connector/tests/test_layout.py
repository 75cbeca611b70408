from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..formats import layout as layout_format


@tagged("post_install", "-at_install")
class TestLayoutPlacement(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.layout = cls.env["factoring.file.layout"].create(
            {
                "name": "Test fixed",
                "code": "test_fixed",
                "kind": "fixed",
                "record_length": 40,
                "field_ids": [
                    Command.create(
                        {
                            "record_type": "02",
                            "name": "Type",
                            "source": "record_type",
                            "position": 1,
                            "width": 2,
                        }
                    ),
                    Command.create(
                        {
                            "record_type": "02",
                            "name": "Number",
                            "source": "document_number",
                            "position": 3,
                            "width": 10,
                        }
                    ),
                    Command.create(
                        {
                            "record_type": "02",
                            "name": "Amount",
                            "source": "amount_cents",
                            "position": 21,
                            "width": 13,
                            "pad": "0",
                            "align": "right",
                        }
                    ),
                ],
            }
        )
        cls.Field = cls.env["factoring.file.layout.field"]

    @contextmanager
    def refused(self, pattern):
        """assertRaisesRegex in a savepoint (a refused create is rolled back)."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def _field(self, position, width, record_type="02", name="New"):
        return self.Field.create(
            {
                "layout_id": self.layout.id,
                "record_type": record_type,
                "name": name,
                "source": "constant",
                "constant": "X",
                "position": position,
                "width": width,
            }
        )

    def test_overlap_refused(self):
        with self.refused(
            r"fields Number \(columns 3 to 12\) and New \(columns 12 to 13\) overlap",
        ):
            self._field(12, 2)
        # A field inside a longer one.
        with self.refused("Amount .* and New .* overlap"):
            self._field(25, 1)
        number = self.layout.field_ids.filtered(lambda f: f.name == "Number")
        with self.refused("overlap"):
            number.width = 19
        # Side by side is fine, and other record types are placed on their own.
        self._field(13, 8)
        self._field(3, 10, record_type="01")

    def test_fit_in_record(self):
        with self.refused(r"New \(columns 35 to 44\) does not fit in records of 40 characters"):
            self._field(35, 10)
        with self.refused("New needs its number of characters"):
            self._field(35, 0)
        with self.refused("Amount .* does not fit in records of 30"):
            self.layout.record_length = 30
        self._field(34, 7)

    def test_layout_saved_with_its_fields(self):
        """Two fields swapped in one save: checked once both moved."""
        number = self.layout.field_ids.filtered(lambda f: f.name == "Number")
        amount = self.layout.field_ids.filtered(lambda f: f.name == "Amount")
        self.layout.write(
            {
                "field_ids": [
                    Command.update(amount.id, {"position": 3}),
                    Command.update(number.id, {"position": 16}),
                ]
            }
        )
        self.assertEqual((amount.position, number.position), (3, 16))
        with self.refused("overlap"):
            self.layout.write({"field_ids": [Command.update(number.id, {"position": 10})]})

    def test_csv_one_field_a_column(self):
        generic = self.env.ref("factoring_connector.factoring_file_layout_generic_csv")
        with self.refused("both in column 2"):
            self.Field.create(
                {
                    "layout_id": generic.id,
                    "record_type": "09",
                    "name": "again",
                    "source": "record_count",
                    "position": 2,
                }
            )

    def test_shipped_layouts_are_consistent(self):
        for xmlid in ("factoring_file_layout_bpce_v7", "factoring_file_layout_generic_csv"):
            layout = self.env.ref(f"factoring_connector.{xmlid}")
            self.assertFalse(layout._placement_error())
        bpce = self.env.ref("factoring_connector.factoring_file_layout_bpce_v7")
        self.assertEqual(bpce.record_length, 275)
        currency = bpce.field_ids.filtered(
            lambda f: f.record_type == "02" and f.source == "currency"
        )
        amount = bpce.field_ids.filtered(
            lambda f: f.record_type == "02" and f.source == "amount_cents"
        )
        self.assertEqual((currency.position, currency.width), (178, 3))
        self.assertEqual(amount.position + amount.width - 1, 177)

    def test_bpce_record_lengths_and_line_ends(self):
        spec = self.env.ref("factoring_connector.factoring_file_layout_bpce_v7")._spec()
        header = {
            "client_code": "42",
            "company_name": "A very long company name, truncated",
            "currency": "EUR",
            "file_number": 12345,
        }
        details = [
            {
                "debtor_name": "N" * 40,
                "document_number": f"INV/{n}",
                "amount_cents": n * 101,
                "currency": "EUR",
            }
            for n in range(1, 4)
        ]
        trailer = {**header, "total_cents": 606, "total_sign": "+"}
        text = layout_format.render(spec, header, details, trailer)
        self.assertTrue(text.endswith("\r\n"))
        records = text.split("\r\n")[:-1]
        self.assertEqual([len(r) for r in records], [275] * 5)
        self.assertNotIn("\n", "".join(records))
        # The file number keeps its last digits.
        self.assertEqual(records[0][61:64], "345")
        self.assertEqual(records[2][164:177], "0000000000202")
        self.assertEqual(records[4][2:8], "000005")
