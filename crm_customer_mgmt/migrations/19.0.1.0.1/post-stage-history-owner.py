"""A stage history row keeps who owned the card when the stage changed. Before this version
its owner followed the card's current owner, so rows written before a hand-over name the new
owner: each row gets back the owner that the card's tracked owner changes say it had then."""

from odoo.tools import SQL


def migrate(cr, version):
    restore_stage_history_owners(cr)


def restore_stage_history_owners(cr):
    """Returns how many rows changed owner: for each row, the owner the card had before its
    first owner change made after the row (rows with no later change keep the current one)."""
    cr.execute(
        SQL(
            """
            WITH past AS (
                SELECT DISTINCT ON (history.id) history.id, owner.id AS user_id
                  FROM crm_customer_stage_history history
                  JOIN mail_message message
                    ON message.model = 'res.partner'
                   AND message.res_id = history.partner_id
                   AND message.date > history.create_date
                  JOIN mail_tracking_value tracking ON tracking.mail_message_id = message.id
                  JOIN ir_model_fields field ON field.id = tracking.field_id
                  LEFT JOIN res_users owner ON owner.id = tracking.old_value_integer
                 WHERE field.model = 'res.partner' AND field.name = 'card_owner_id'
                 ORDER BY history.id, message.date, message.id
            )
            UPDATE crm_customer_stage_history history
               SET user_id = past.user_id
              FROM past
             WHERE history.id = past.id AND history.user_id IS DISTINCT FROM past.user_id
            """
        )
    )
    return cr.rowcount
