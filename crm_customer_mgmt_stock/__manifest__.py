{
    "name": "Customer Management: Deliveries",
    "summary": "Deliveries of customers whose credit grade holds them wait for a supervisor",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "crm_customer_mgmt developers",
    "website": "https://github.com/crm-customer-mgmt/crm_customer_mgmt",
    "depends": ["crm_customer_mgmt", "sale_stock"],
    "data": [
        "data/crm_credit_grade_data.xml",
        "views/crm_credit_grade_views.xml",
    ],
    "installable": True,
    "auto_install": True,
}
