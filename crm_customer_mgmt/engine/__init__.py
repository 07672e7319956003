"""Pure customer-management logic: no Odoo import, testable with plain pytest."""
