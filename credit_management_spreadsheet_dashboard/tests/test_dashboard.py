import json

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.credit_management.tests.common import CreditCommon

DATE_TYPES = {"date": ("date", "datetime"), "datetime": ("date", "datetime")}


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
        """(kind, definition) of every pivot, list and Odoo chart."""
        sources = [("pivot", p) for p in self.data["pivots"].values()]
        sources += [("list", lst) for lst in self.data["lists"].values()]
        for sheet in self.data["sheets"]:
            for figure in sheet["figures"]:
                if figure["data"]["type"].startswith("odoo_"):
                    sources.append(("chart", figure["data"]))
        return sources

    def test_dashboard_published_for_credit_control(self):
        self.assertTrue(self.dashboard.is_published)
        self.assertEqual(
            self.dashboard.group_ids, self.env.ref("credit_management.group_credit_control_user")
        )
        self.assertEqual(self.dashboard.dashboard_group_id.name, "Finance")
        kinds = {kind for kind, _definition in self._sources()}
        self.assertEqual(kinds, {"pivot", "list", "chart"})

    def test_every_field_exists_and_matches_its_filter(self):
        for kind, source in self._sources():
            model_name = source.get("model") or source["metaData"]["resModel"]
            model = self.env[model_name]
            names = _domain_fields(source.get("domain") or source.get("searchParams", {})["domain"])
            if kind == "pivot":
                names += [m["fieldName"] for m in source["measures"]]
                names += [r["fieldName"] for r in source["rows"]]
            elif kind == "list":
                names += source["columns"] + [o["name"] for o in source["orderBy"]]
            else:
                names += [source["metaData"]["measure"]]
                names += [g.split(":")[0] for g in source["metaData"]["groupBy"]]
            for name in set(names) - {"__count"}:
                with self.subTest(source=source.get("name") or name, field=name):
                    self.assertIn(name, model._fields)
            for filter_id, match in source["fieldMatching"].items():
                global_filter = self.filters[filter_id]
                field = model._fields[match["chain"]]
                with self.subTest(source=model_name, chain=match["chain"]):
                    if global_filter["type"] == "date":
                        self.assertIn(field.type, DATE_TYPES["date"])
                    else:
                        self.assertEqual(field.type, "many2one")
                        self.assertEqual(field.comodel_name, global_filter["modelName"])

    def test_credit_controller_reads_every_source(self):
        """As the spreadsheet asks them: grouped measures, list columns."""
        env = self.env(user=self.controller)
        for kind, source in self._sources():
            with self.subTest(kind=kind, source=source.get("name") or source["metaData"]):
                if kind == "list":
                    model = env[source["model"]]
                    model.search_fetch(source["domain"], source["columns"], limit=10).read(
                        source["columns"]
                    )
                    continue
                if kind == "pivot":
                    model = env[source["model"]]
                    measures = [m["fieldName"] for m in source["measures"]]
                    groupby = [r["fieldName"] for r in source["rows"]]
                    domain = source["domain"]
                else:
                    model = env[source["metaData"]["resModel"]]
                    measures = [source["metaData"]["measure"]]
                    groupby = source["metaData"]["groupBy"]
                    domain = source["searchParams"]["domain"]
                aggregates = [
                    m if m == "__count" else f"{m}:{model._fields[m].aggregator or 'sum'}"
                    for m in measures
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
