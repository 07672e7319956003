"""Pure customer-management logic: no Odoo import (tests/test_engine_imports.py checks it),
tested without a database."""
