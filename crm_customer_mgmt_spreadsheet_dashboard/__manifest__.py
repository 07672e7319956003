{
    "name": "Customer Management: Dashboard",
    "summary": "A customer dashboard for supervisors in Odoo's Dashboards app",
    "version": "19.0.1.0.0",
    "category": "Productivity/Dashboard",
    "license": "LGPL-3",
    "author": "crm_customer_mgmt developers",
    "website": "https://github.com/crm-customer-mgmt/crm_customer_mgmt",
    "depends": ["crm_customer_mgmt", "spreadsheet_dashboard"],
    "data": [
        "data/spreadsheet_dashboard_data.xml",
        "views/crm_customer_mgmt_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["crm_customer_mgmt_spreadsheet_dashboard/static/tests/tours/*.js"],
    },
    "installable": True,
    "auto_install": True,
}
