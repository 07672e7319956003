from odoo.modules.module import get_manifest
from odoo.tests import BaseCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestManifest(BaseCase):
    def test_it_waits_for_crm(self):
        """Installed by itself once both crm and the main addon are, never without crm."""
        manifest = get_manifest("crm_customer_mgmt_crm")
        self.assertEqual(set(manifest["depends"]), {"crm", "crm_customer_mgmt"})
        self.assertEqual(manifest["auto_install"], {"crm", "crm_customer_mgmt"})


@tagged("post_install", "-at_install")
class TestInstalled(TransactionCase):
    def test_installed_where_crm_is(self):
        modules = self.env["ir.module.module"].search(
            [("name", "in", ("crm", "crm_customer_mgmt", "crm_customer_mgmt_crm"))]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        self.assertEqual(len(modules), 3)
