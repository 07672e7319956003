import json
import re

from odoo.exceptions import AccessError
from odoo.modules.module import get_manifest
from odoo.tests import BaseCase, TransactionCase, new_test_user, tagged

REP = "crm_customer_mgmt.group_customer_mgmt_user"
SUPERVISOR = "crm_customer_mgmt.group_customer_mgmt_manager"
DASHBOARD = "crm_customer_mgmt_spreadsheet_dashboard.spreadsheet_dashboard_customer_mgmt"

# PIVOT.VALUE(id, "measure", "field", "value", ...) and PIVOT.HEADER(id, "field", "value", ...)
PIVOT_VALUE = re.compile(r'PIVOT\.VALUE\((\d+),"([^"]+)"((?:,"[^"]*")*)\)')
PIVOT_HEADER = re.compile(r'PIVOT\.HEADER\((\d+)((?:,"[^"]*")*)\)')
PIVOT_TABLE = re.compile(r"PIVOT\((\d+)")
VIEW_LINK = re.compile(r"^\[(.+)\]\(odoo://view/(.+)\)$")


@tagged("post_install", "-at_install")
class TestManifest(BaseCase):
    def test_it_waits_for_the_dashboards_app(self):
        """Installed by itself once both the Dashboards app and the main addon are."""
        manifest = get_manifest("crm_customer_mgmt_spreadsheet_dashboard")
        self.assertEqual(set(manifest["depends"]), {"crm_customer_mgmt", "spreadsheet_dashboard"})
        self.assertEqual(manifest["auto_install"], {"crm_customer_mgmt", "spreadsheet_dashboard"})


@tagged("post_install", "-at_install")
class TestDashboard(TransactionCase):
    """The dashboard's spreadsheet names models, fields, values, actions and menus that exist,
    and its domains and groupings run: a renamed field or selection value fails here before a
    supervisor meets an error cell."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="dash_rep", groups=REP)
        cls.supervisor = new_test_user(cls.env, login="dash_supervisor", groups=SUPERVISOR)
        cls.dashboard = cls.env.ref(DASHBOARD)
        cls.data = json.loads(cls.dashboard.spreadsheet_data)

    def _model(self, name):
        self.assertIn(name, self.env, f"the dashboard reads {name}, which does not exist")
        return self.env[name].with_user(self.supervisor)

    def _assert_path(self, model, path):
        """Every step of a dotted field path exists, from ``model``; returns the last."""
        for name in path.split("."):
            fields = model.fields_get()
            self.assertTrue(name in fields, f"{model._name} has no field {name}")
            if fields[name].get("relation"):
                model = self._model(fields[name]["relation"])
        return fields[name]

    def _assert_reads(self, model_name, domain, groupby, measures):
        """The fields exist for a supervisor, and the grouped read the dashboard makes runs."""
        model = self._model(model_name)
        fields = model.fields_get()
        for spec in groupby:
            self.assertTrue(spec.split(":")[0] in fields, f"{model_name} has no field {spec}")
        aggregates = []
        for measure in measures:
            if measure == "__count":
                aggregates.append(measure)
                continue
            name, _sep, aggregator = measure.partition(":")
            self.assertTrue(name in fields, f"{model_name} has no field {name}")
            aggregator = aggregator or fields[name].get("aggregator")
            self.assertTrue(aggregator, f"{model_name}.{name} does not aggregate")
            aggregates.append(f"{name}:{aggregator}")
        model.search_count(domain)
        model.formatted_read_group(domain, groupby, aggregates)

    def _assert_matching(self, model_name, matching):
        filters = {
            global_filter["id"]: global_filter for global_filter in self.data["globalFilters"]
        }
        for filter_id, match in matching.items():
            self.assertIn(filter_id, filters)
            field = self._assert_path(self._model(model_name), match["chain"])
            if filters[filter_id]["type"] == "relation":
                self.assertEqual(field.get("relation"), filters[filter_id]["modelName"])
            else:
                self.assertIn(field["type"], (filters[filter_id]["type"], "datetime"))

    def _charts(self):
        for sheet in self.data["sheets"]:
            for figure in sheet["figures"]:
                if figure["tag"] == "chart":
                    yield figure["data"]

    def test_supervisors_see_it_reps_do_not(self):
        Dashboard = self.env["spreadsheet.dashboard"]
        self.assertIn(self.dashboard, Dashboard.with_user(self.supervisor).search([]))
        self.assertNotIn(self.dashboard, Dashboard.with_user(self.rep).search([]))
        with self.assertRaises(AccessError):
            self.dashboard.with_user(self.rep).check_access("read")
        # the Dashboards app lists a group's dashboards the user may read
        group = self.dashboard.dashboard_group_id
        self.assertFalse(group.with_user(self.rep).published_dashboard_ids)
        self.env.invalidate_all()
        self.assertEqual(group.with_user(self.supervisor).published_dashboard_ids, self.dashboard)
        menu = self.env.ref(
            "crm_customer_mgmt_spreadsheet_dashboard.menu_crm_customer_mgmt_dashboard"
        )
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.supervisor)._visible_menu_ids())
        self.assertNotIn(menu.id, Menu.with_user(self.rep)._visible_menu_ids())

    def _sources(self):
        """The grouped reads the dashboard opens: (model, domain, groupby)."""
        for pivot in self.data["pivots"].values():
            groupby = [row["fieldName"] for row in pivot["rows"] + pivot["columns"]]
            yield pivot["model"], pivot["domain"], groupby
        for chart in self._charts():
            if chart["type"].startswith("odoo_"):
                meta = chart["metaData"]
                yield meta["resModel"], chart["searchParams"]["domain"], meta["groupBy"]

    def test_data_sources_refused_beyond_the_rights(self):
        """The dashboard's JSON holds no customer data, and what it opens runs with the
        reader's rights: a plain employee reads none of it, a rep no supervisors' analysis
        (the rest of his reads keep to his own customers by the record rules)."""
        employee = new_test_user(self.env, login="dash_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.dashboard.with_user(employee).read(["spreadsheet_binary_data"])
        supervisors_only = {"crm.customer.churn.report", "crm.customer.pareto.report"}
        opened = set()
        for model, domain, groupby in self._sources():
            opened.add(model)
            for user in (employee, self.rep):
                if user == self.rep and model not in supervisors_only:
                    continue
                with (
                    self.subTest(model=model, groupby=groupby, user=user.login),
                    self.assertRaises(AccessError),
                ):
                    self.env[model].with_user(user).formatted_read_group(
                        domain, groupby, ["__count"]
                    )
        self.assertLessEqual(supervisors_only, opened)

    def test_pivots(self):
        self.assertTrue(self.data["pivots"])
        for pivot_id, pivot in self.data["pivots"].items():
            with self.subTest(pivot=pivot["name"]):
                self.assertEqual(pivot["type"], "ODOO")
                self.assertEqual(pivot["formulaId"], pivot_id)
                groupby = [
                    f"{row['fieldName']}:{row['granularity']}"
                    if row.get("granularity")
                    else row["fieldName"]
                    for row in pivot["rows"] + pivot["columns"]
                ]
                measures = [measure["fieldName"] for measure in pivot["measures"]]
                self._assert_reads(pivot["model"], pivot["domain"], groupby, measures)
                ids = {measure["id"] for measure in pivot["measures"]}
                if pivot.get("sortedColumn"):
                    self.assertIn(pivot["sortedColumn"]["measure"], ids)
                if pivot.get("actionXmlId"):
                    self.env.ref(pivot["actionXmlId"])
                self._assert_matching(pivot["model"], pivot.get("fieldMatching", {}))
        for list_id, list_definition in self.data["lists"].items():
            with self.subTest(list=list_id):
                self._assert_reads(
                    list_definition["model"],
                    list_definition["domain"],
                    [],
                    ["__count"],
                )
                for column in list_definition["columns"]:
                    self._assert_path(self._model(list_definition["model"]), column)

    def test_charts(self):
        odoo_charts = [chart for chart in self._charts() if chart["type"].startswith("odoo_")]
        self.assertTrue(odoo_charts)
        for chart in odoo_charts:
            meta = chart["metaData"]
            with self.subTest(chart=meta["resModel"], groupby=meta["groupBy"]):
                self.assertEqual(meta["groupBy"], chart["searchParams"]["groupBy"])
                self._assert_reads(
                    meta["resModel"],
                    chart["searchParams"]["domain"],
                    meta["groupBy"],
                    [meta["measure"]],
                )
                if chart.get("actionXmlId"):
                    action = self.env.ref(chart["actionXmlId"])
                    self.assertEqual(action.res_model, meta["resModel"])
                self._assert_matching(meta["resModel"], chart.get("fieldMatching", {}))
        for chart_id, menu in self.data["chartOdooMenusReferences"].items():
            with self.subTest(menu=menu):
                self.assertIn(chart_id, {chart["chartId"] for chart in self._charts()})
                self.assertTrue(self.env.ref(menu).action)

    def test_formulas(self):
        """Pivot formulas name pivots, measures, fields and values that exist; scorecards
        show cells that are filled."""
        pivots = self.data["pivots"]
        cells = {
            (sheet["name"], position): content
            for sheet in self.data["sheets"]
            for position, content in sheet["cells"].items()
        }
        for (_sheet, position), content in cells.items():
            with self.subTest(cell=position, content=content):
                for pivot_id in PIVOT_TABLE.findall(content):
                    self.assertIn(pivot_id, pivots)
                for pivot_id, measure, args in PIVOT_VALUE.findall(content):
                    pivot = pivots[pivot_id]
                    self.assertIn(measure, {item["id"] for item in pivot["measures"]})
                    self._assert_group_values(pivot, re.findall(r'"([^"]*)"', args))
                for pivot_id, args in PIVOT_HEADER.findall(content):
                    self._assert_group_values(pivots[pivot_id], re.findall(r'"([^"]*)"', args))
                link = VIEW_LINK.match(content)
                if link:
                    action = json.loads(link[2])["action"]
                    context = action["context"]
                    measures = context.get("pivot_measures") or [context.get("graph_measure")]
                    self._assert_reads(
                        action["modelName"], action["domain"], context["group_by"], measures
                    )
        for chart in self._charts():
            if chart["type"] == "scorecard":
                sheet, position = chart["keyValue"].split("!")
                self.assertIn((sheet, position), cells)

    def _assert_group_values(self, pivot, args):
        """(field, value) pairs of a pivot formula: a grouping of the pivot and a value it
        may take (a selection's key)."""
        fields = self._model(pivot["model"]).fields_get()
        rows = {row["fieldName"] for row in pivot["rows"] + pivot["columns"]}
        for field, value in zip(args[::2], args[1::2], strict=True):
            self.assertIn(field, rows)
            if fields[field]["type"] == "selection":
                self.assertIn(value, dict(fields[field]["selection"]))
