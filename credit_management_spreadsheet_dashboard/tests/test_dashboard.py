import json

from odoo.addons.credit_management.tests.common import CreditCommon
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged


def _domain_fields(domain):
    return [leaf[0] for leaf in domain if isinstance(leaf, list | tuple)]


@tagged("post_install", "-at_install")
class TestCreditDashboard(CreditCommon):
    """The Credit Control dashboard: what it reads exists and is readable by
    a credit controller, and nobody else opens it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dashboard = cls.env.ref(
            "credit_management_spreadsheet_dashboard.spreadsheet_dashboard_credit_control"
        )
        cls.data = json.loads(cls.dashboard.spreadsheet_data)
        cls.filters = {f["id"]: f for f in cls.data["globalFilters"]}

    def _sources(self):
        """(kind, model, domain, fields read, groupby, definition) of every
        pivot, list and Odoo chart."""
        sources = []
        for pivot in self.data["pivots"].values():
            measures = [m["fieldName"] for m in pivot["measures"]]
            rows = [r["fieldName"] for r in pivot["rows"]]
            sources.append(("pivot", pivot["model"], pivot["domain"], measures, rows, pivot))
        for lst in self.data["lists"].values():
            sources.append(("list", lst["model"], lst["domain"], lst["columns"], [], lst))
        for sheet in self.data["sheets"]:
            for figure in sheet["figures"]:
                chart = figure["data"]
                if chart["type"].startswith("odoo_"):
                    meta = chart["metaData"]
                    domain = chart["searchParams"]["domain"]
                    sources.append(
                        (
                            "chart",
                            meta["resModel"],
                            domain,
                            [meta["measure"]],
                            meta["groupBy"],
                            chart,
                        )
                    )
        return sources

    def test_dashboard_published_for_credit_control(self):
        self.assertTrue(self.dashboard.is_published)
        self.assertEqual(
            self.dashboard.group_ids, self.env.ref("credit_management.group_credit_control_user")
        )
        self.assertEqual(self.dashboard.dashboard_group_id.name, "Finance")
        kinds = {source[0] for source in self._sources()}
        self.assertEqual(kinds, {"pivot", "list", "chart"})

    def test_every_field_exists_and_matches_its_filter(self):
        for kind, model_name, domain, read, groupby, source in self._sources():
            model = self.env[model_name]
            names = set(read + [g.split(":")[0] for g in groupby] + _domain_fields(domain))
            names |= {order["name"] for order in source.get("orderBy", [])}
            for name in names - {"__count"}:
                with self.subTest(kind=kind, model=model_name, field=name):
                    self.assertIn(name, model._fields)
            for filter_id, match in source["fieldMatching"].items():
                global_filter = self.filters[filter_id]
                field = model._fields[match["chain"]]
                with self.subTest(kind=kind, model=model_name, chain=match["chain"]):
                    if global_filter["type"] == "date":
                        self.assertIn(field.type, ("date", "datetime"))
                    else:
                        self.assertEqual(field.type, "many2one")
                        self.assertEqual(field.comodel_name, global_filter["modelName"])

    def test_credit_controller_reads_every_source(self):
        """As the spreadsheet asks them: grouped measures, list columns."""
        env = self.env(user=self.controller)
        for kind, model_name, domain, names, groupby, _source in self._sources():
            model = env[model_name]
            with self.subTest(kind=kind, model=model_name, fields=names):
                if kind == "list":
                    model.search_fetch(domain, names, limit=10).read(names)
                    continue
                aggregates = [
                    name if name == "__count" else f"{name}:{model._fields[name].aggregator}"
                    for name in names
                ]
                model.formatted_read_group(domain, groupby, aggregates)
        for global_filter in self.filters.values():
            if global_filter["type"] == "relation":
                env[global_filter["modelName"]].search([], limit=1)

    def test_dashboard_opens_for_credit_controller(self):
        dashboard = self.dashboard.with_user(self.controller)
        self.assertIn(dashboard, dashboard.search([]))
        snapshot = json.loads(dashboard._get_serialized_readonly_dashboard())["snapshot"]
        self.assertEqual([s["name"] for s in snapshot["sheets"]], ["Dashboard", "Data"])

    def test_nobody_else_opens_it(self):
        """An invoicing user reads the credit fields of partners, not this
        dashboard; neither does an employee."""
        employee = new_test_user(self.env, login="dashboard_employee", groups="base.group_user")
        for user in (self.salesman, employee):
            dashboard = self.dashboard.with_user(user)
            with self.subTest(user=user.login):
                self.assertNotIn(dashboard, dashboard.search([]))
                with self.assertRaises(AccessError):
                    dashboard.check_access("read")
                with self.assertRaises(AccessError):
                    dashboard.read(["spreadsheet_data"])
