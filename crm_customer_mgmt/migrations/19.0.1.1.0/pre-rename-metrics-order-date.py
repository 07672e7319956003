"""crm.customer.metrics.last_order_date held the last confirmed sale order only, while
res.partner.last_order_date holds the last posted invoice or confirmed order: the metrics
field is now last_sale_order_date. Renamed before the registry loads, so that its column
keeps its values and its field record and xml id stay the same records (the update would
otherwise create an empty column and delete the old field with its data)."""

import logging

from odoo.tools.sql import column_exists, rename_column

_logger = logging.getLogger(__name__)

MODULE = "crm_customer_mgmt"
MODEL = "crm.customer.metrics"
OLD, NEW = "last_order_date", "last_sale_order_date"


def migrate(cr, version):
    rename_field(cr, MODEL, OLD, NEW)


def rename_field(cr, model, old, new):
    """Renames a stored field of this module: its column, its ir.model.fields row and that
    row's xml id. Each step is skipped where it is already done."""
    table = model.replace(".", "_")
    if column_exists(cr, table, old):
        if column_exists(cr, table, new):
            _logger.warning("%s has both %s and %s: %s left as it is.", table, old, new, old)
        else:
            rename_column(cr, table, old, new)
    cr.execute(
        """
        UPDATE ir_model_fields SET name = %(new)s
         WHERE model = %(model)s AND name = %(old)s
           AND NOT EXISTS (SELECT 1 FROM ir_model_fields
                            WHERE model = %(model)s AND name = %(new)s)
        """,
        {"model": model, "old": old, "new": new},
    )
    prefix = f"field_{table}__"
    cr.execute(
        """
        UPDATE ir_model_data SET name = %(new)s
         WHERE module = %(module)s AND model = 'ir.model.fields' AND name = %(old)s
           AND NOT EXISTS (SELECT 1 FROM ir_model_data
                            WHERE module = %(module)s AND name = %(new)s)
        """,
        {"module": MODULE, "old": prefix + old, "new": prefix + new},
    )
