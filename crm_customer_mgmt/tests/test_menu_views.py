from datetime import date

from lxml import etree

from odoo import fields
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import datetime, safe_eval

from .common import CustomerCardCase

REP = "crm_customer_mgmt.group_customer_mgmt_user,sales_team.group_sale_salesman"
MANAGER = "crm_customer_mgmt.group_customer_mgmt_manager,sales_team.group_sale_salesman"
ROOT_MENU = "crm_customer_mgmt.menu_crm_customer_mgmt_root"


@tagged("post_install", "-at_install")
class TestMenuViews(CustomerCardCase):
    """Every window action of the app's menus opens as the web client opens it (views, first
    read of the records, first record's form) for each kind of user who sees the menu."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rep = new_test_user(cls.env, login="menu_rep", groups=REP)
        cls.manager = new_test_user(cls.env, login="menu_manager", groups=MANAGER)
        cls.employee = new_test_user(cls.env, login="menu_employee", groups="base.group_user")
        cls.customer.write({"user_id": cls.rep.id, "customer_type": "loyal"})
        cls.env["crm.customer.evaluation"].create(
            {"partner_id": cls.customer.id, "criterion_id": cls.crit_network.id, "score": 70}
        )
        cls.env["res.partner"].create({"name": "Qian Hong", "parent_id": cls.customer.id})
        cls.env["crm.customer.wallet"].create(
            {
                "partner_id": cls.customer.id,
                "date_from": date(2026, 1, 1),
                "date_to": date(2026, 12, 31),
                "total_spend": 50000,
            }
        )
        rule = cls.env["crm.customer.warning.rule"].create(
            {"name": "Overdue", "metric": "overdue_days", "threshold": 30}
        )
        cls.env["crm.customer.warning"].create(
            {
                "rule_id": rule.id,
                "partner_id": cls.customer.id,
                "value": 45,
                "threshold": 30,
                "message": "Overdue: oldest overdue 45 days (threshold >= 30)",
                "user_id": cls.rep.id,
            }
        )

    def _menus_with_actions(self, user):
        """The menus of the app this user sees, with their window actions."""
        root = self.env.ref(ROOT_MENU)
        Menu = self.env["ir.ui.menu"].with_user(user)
        visible = Menu._visible_menu_ids()
        menus = Menu.search([("id", "child_of", root.id)]).filtered(
            lambda menu: all(int(mid) in visible for mid in menu.parent_path.split("/")[:-1])
        )
        return [
            (menu, menu.action.sudo())
            for menu in menus
            if menu.action and menu.action._name == "ir.actions.act_window"
        ]

    def _open(self, user, action):
        """What the web client does when the action opens; fails on any access error."""
        context = {
            **safe_eval(action.context or "{}", {"uid": user.id, "active_id": False}),
            "lang": "en_US",
        }
        Model = self.env[action.res_model].with_user(user).with_context(**context)
        modes = action.view_mode.split(",")
        views = [(action.view_id.id, modes[0])] + [(False, mode) for mode in modes[1:]]
        views += [(action.search_view_id.id, "search")]
        result = Model.get_views(views, {"action_id": action.id, "load_filters": True})
        domain = safe_eval(action.domain or "[]", {"uid": user.id}) + self._default_filters(
            result["views"]["search"]["arch"], context, user
        )
        spec = self._spec(Model, result["views"][modes[0]]["arch"])
        if modes[0] in ("list", "kanban", "calendar"):
            rows = Model.web_search_read(domain, spec, limit=80)["records"]
        else:
            rows = Model.search_read(domain, ["id"], limit=80)
        form = result["views"].get("form") or Model.get_views([(False, "form")])["views"]["form"]
        if rows and action.res_model != "res.config.settings":
            Model.browse(rows[0]["id"]).web_read(self._spec(Model, form["arch"]))
        return rows

    @staticmethod
    def _spec(Model, arch):
        """The fields a view reads itself (not those of its one2many lines)."""
        tree = etree.fromstring(arch)
        names = {
            node.get("name")
            for node in tree.iter("field")
            if not any(parent.tag == "field" for parent in node.iterancestors())
        }
        return {name: {} for name in names if name in Model._fields}

    @staticmethod
    def _default_filters(arch, context, user):
        """The domains of the search filters the action's context turns on."""
        today = fields.Date.today()
        values = {
            "uid": user.id,
            "context_today": lambda: today,
            "datetime": datetime,
        }
        domain = []
        for node in etree.fromstring(arch).iter("filter"):
            name = node.get("name")
            if context.get(f"search_default_{name}") and node.get("domain"):
                domain += safe_eval(node.get("domain"), values)
        return domain

    def _check_user(self, user, expected_menus):
        menus = self._menus_with_actions(user)
        self.assertGreaterEqual(len(menus), expected_menus)
        for menu, action in menus:
            with self.subTest(user=user.login, menu=menu.complete_name):
                self._open(user, action)

    def test_rep_opens_every_menu(self):
        self._check_user(self.rep, 7)
        names = {menu.name for menu, _action in self._menus_with_actions(self.rep)}
        self.assertNotIn("Card Review", names, "a supervisor's screen")
        self.assertIn("Quotations", names, "reps quote without Sales' own menu")
        customers = self.env.ref("crm_customer_mgmt.action_res_partner_customer_card").sudo()
        self.assertIn(self.customer.id, [row["id"] for row in self._open(self.rep, customers)])

    def test_supervisor_opens_every_menu(self):
        self._check_user(self.manager, 14)
        names = {menu.name for menu, _action in self._menus_with_actions(self.manager)}
        self.assertNotIn("Settings", names, "only administrators may save settings")
        self.assertIn(
            "Settings",
            {menu.name for menu, _a in self._menus_with_actions(self.env.ref("base.user_admin"))},
        )

    def test_employee_sees_no_app_menu_but_opens_contacts(self):
        self.assertFalse(self._menus_with_actions(self.employee))
        contacts = self.env.ref("contacts.action_contacts").sudo()
        rows = self._open(self.employee, contacts)
        self.assertTrue(rows)
        card = self.customer.with_user(self.employee)
        form = self.env["res.partner"].with_user(self.employee).get_views([(False, "form")])
        values = card.web_read(self._spec(card, form["views"]["form"]["arch"]))
        self.assertEqual(values[0]["name"], "Jinhai Hardware Co.")
        self.assertNotIn("customer_type", values[0], "the card stays the app's")

    def test_relationship_kanban_routes_stage_changes_to_the_wizard(self):
        action = self.env.ref("crm_customer_mgmt.action_res_partner_relationship")
        views = (
            self.env["res.partner"]
            .with_user(self.manager)
            .get_views([(action.view_id.id, "kanban")])
        )
        arch = etree.fromstring(views["views"]["kanban"]["arch"])
        self.assertEqual(arch.get("records_draggable"), "0", "no drag that would be undone")
        wizard = self.env.ref("crm_customer_mgmt.action_crm_customer_stage_wizard")
        self.assertTrue(arch.xpath(f"//button[@name='{wizard.id}']"))
        rep_views = (
            self.env["res.partner"].with_user(self.rep).get_views([(action.view_id.id, "kanban")])
        )
        rep_arch = etree.fromstring(rep_views["views"]["kanban"]["arch"])
        self.assertFalse(rep_arch.xpath(f"//button[@name='{wizard.id}']"), "a supervisor's act")

    def test_churn_screens_are_the_supervisors(self):
        names = {menu.name for menu, _action in self._menus_with_actions(self.manager)}
        self.assertLessEqual({"Churn", "Partial Churn"}, names)
        rep_names = {menu.name for menu, _action in self._menus_with_actions(self.rep)}
        self.assertFalse({"Churn", "Partial Churn"} & rep_names)
        report = self.env.ref("crm_customer_mgmt.action_crm_customer_churn_report").sudo()
        self.assertEqual(report.view_mode.split(",")[0], "pivot")
        views = (
            self.env["crm.customer.churn.report"]
            .with_user(self.manager)
            .get_views([(False, "pivot"), (False, "graph"), (report.search_view_id.id, "search")])
        )
        pivot = etree.fromstring(views["views"]["pivot"]["arch"])
        self.assertEqual(
            pivot.xpath("//field[@type='measure']/@name"),
            ["churn_rate", "lost", "active_start", "won_back", "revenue_lost"],
        )
        self.assertEqual(etree.fromstring(views["views"]["graph"]["arch"]).get("type"), "line")
        self.assertIn("search_default_monthly", report.context)
