"""Evaluation scores count toward credit once a supervisor approves them: scores last
written by a customer supervisor before this version count as approved, the others wait
for a supervisor's review."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    group = env.ref("crm_customer_mgmt.group_customer_mgmt_manager", raise_if_not_found=False)
    users = group.all_user_ids if group else env["res.users"]
    supervisors = users.filtered(lambda user: user.id != SUPERUSER_ID).ids
    cr.execute(
        """
        UPDATE crm_customer_evaluation
           SET entered_by_id = write_uid, entered_date = write_date,
               approved = write_uid = ANY(%s),
               approved_score = CASE WHEN write_uid = ANY(%s) THEN score ELSE 0 END,
               approved_by_id = CASE WHEN write_uid = ANY(%s) THEN write_uid END,
               approved_date = CASE WHEN write_uid = ANY(%s) THEN write_date END
         WHERE entered_by_id IS NULL
        """,
        [supervisors] * 4,
    )
