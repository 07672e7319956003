{
    "name": "Customer Management: Opportunities",
    "summary": "Opportunities as signals of the sales progress, their calls as contacts",
    "version": "19.0.1.1.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "crm_customer_mgmt developers",
    "website": "https://github.com/crm-customer-mgmt/crm_customer_mgmt",
    "depends": ["crm", "crm_customer_mgmt"],
    "data": [
        "data/crm_customer_warning_rule_data.xml",
    ],
    "installable": True,
    "auto_install": True,
}
