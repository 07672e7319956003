{
    "name": "Customer Management",
    "summary": "Customer cards, relationship stages, credit grades and early warnings",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "crm_customer_mgmt developers",
    "website": "https://github.com/crm-customer-mgmt/crm_customer_mgmt",
    "depends": ["contacts", "sale"],
    "data": [
        "security/crm_customer_mgmt_security.xml",
        "security/ir.model.access.csv",
        "data/crm_customer_evaluation_criterion_data.xml",
        "views/crm_customer_evaluation_criterion_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/crm_customer_mgmt_menus.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
    ],
    "installable": True,
    "application": True,
}
