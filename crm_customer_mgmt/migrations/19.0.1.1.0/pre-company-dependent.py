"""Stage, share, grade and the other values the pass writes on a customer become
company-dependent: each company keeps its own. Before this version the pass ran in the
company of its cron's user (the superuser) alone, so the values found belong to that
company: each column becomes that company's value in Odoo's per-company JSON."""

from odoo.tools import SQL

COLUMNS = (
    "customer_stage_id",
    "stage_proposed_id",
    "stage_date",
    "stage_manual",
    "stage_manual_band_id",
    "share_of_wallet",
    "last_order_date",
    "churn_reason_id",
    "abc_class",
    "value_tier",
    "credit_grade_id",
    "credit_score",
    "credit_score_explanation",
    "credit_no_history",
    "credit_recommended_limit",
    "credit_sales_quadrant",
)
# the previous release's per-company cursor key had no company
CURSOR = "crm_customer_mgmt.metrics_cursor"


def migrate(cr, version):
    cr.execute("SELECT company_id FROM res_users WHERE id = 1")
    company = str(cr.fetchone()[0])
    for column in COLUMNS:
        to_company_json(cr, column, company)
    cr.execute(
        SQL(
            "UPDATE ir_config_parameter SET key = %s WHERE key = %s",
            f"{CURSOR}.{company}",
            CURSOR,
        )
    )


def to_company_json(cr, column, company):
    """``res_partner.<column>`` as ``{"<company>": value}`` (a missing or already converted
    column is left alone); its foreign key goes, as a JSON value has none."""
    cr.execute(
        "SELECT data_type FROM information_schema.columns"
        " WHERE table_name = 'res_partner' AND column_name = %s",
        [column],
    )
    row = cr.fetchone()
    if not row or row[0] == "jsonb":
        return
    cr.execute(
        """
        SELECT con.conname FROM pg_constraint con
          JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY(con.conkey)
         WHERE con.conrelid = 'res_partner'::regclass AND con.contype = 'f' AND att.attname = %s
        """,
        [column],
    )
    for (name,) in cr.fetchall():
        cr.execute(SQL("ALTER TABLE res_partner DROP CONSTRAINT %s", SQL.identifier(name)))
    cr.execute(
        SQL(
            """
            ALTER TABLE res_partner ALTER COLUMN %(column)s DROP DEFAULT,
                ALTER COLUMN %(column)s TYPE jsonb
                USING CASE WHEN %(column)s IS NOT NULL
                           THEN jsonb_build_object(%(company)s, %(column)s) END
            """,
            column=SQL.identifier(column),
            company=company,
        )
    )
