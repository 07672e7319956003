"""Warning rules hold several conditions now: each rule of an earlier version becomes a rule
with one condition, its own metric, operator and threshold, compared by value, so that it
warns exactly as before. In SQL: the values are copied as they are, without the checks and
the chatter notes of a condition an admin adds, and a rule that already has conditions is
left alone, so the script may run twice."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(
        SQL(
            """
        INSERT INTO crm_customer_warning_rule_condition
               (rule_id, company_id, sequence, metric, kind, operator, threshold,
                create_uid, write_uid, create_date, write_date)
        SELECT rule.id, rule.company_id, 10, rule.metric, 'value',
               COALESCE(rule.operator, '>='), COALESCE(rule.threshold, 0),
               rule.write_uid, rule.write_uid, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM crm_customer_warning_rule rule
         WHERE rule.metric IS NOT NULL
           AND NOT EXISTS (
                SELECT 1 FROM crm_customer_warning_rule_condition line
                 WHERE line.rule_id = rule.id)
            """
        )
    )
