# Run by scripts/test_upgrade.sh through `odoo-bin shell` (which provides `env`), with
# UPGRADE_STEP and UPGRADE_FINGERPRINT in the environment:
#   fill   (previous release) run the nightly pass and the warning rules, hand one card
#          over, and write the customers' fingerprint as JSON;
#   check  (current code, after -u) compare the customers with the fingerprint and check
#          what the migrations promise. Exits non-zero with every difference found.
import json
import os
import sys
import time

from odoo.tools import SQL

env = globals()["env"]  # odoo-bin shell's, as the superuser

STEP = os.environ["UPGRADE_STEP"]
FINGERPRINT = os.environ["UPGRADE_FINGERPRINT"]
ADMIN_XMLID = "base.user_admin"
SUPERVISORS_XMLID = "crm_customer_mgmt.group_customer_mgmt_manager"
PARTNER_RULE_XMLID = "crm_customer_mgmt.res_partner_rule_customer_mgmt_user"
# crm.customer.metrics' field renamed by the 19.0.1.1.0 migration: (before, after)
ORDER_DATE = ("last_order_date", "last_sale_order_date")
# xml id: (share_min, share_max) after the 19.0.1.0.1 migration
BANDS = {
    "crm_customer_mgmt.stage_stable": [50.0, 80.0],
    "crm_customer_mgmt.stage_strategic": [80.0, 100.0],
}


def live_warnings(partner):
    """Open or acknowledged warnings per rule (the states both releases know)."""
    counts = {}
    for warning in env["crm.customer.warning"].search(
        [("partner_id", "=", partner.id), ("state", "in", ("open", "acknowledged"))]
    ):
        key = f"{warning.rule_id.id}:{warning.state}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def history(partner):
    # the demo moves a newer release loads with the upgrade are not what the pass recorded
    demo = env["ir.model.data"].search([("model", "=", "crm.customer.stage.history")])
    rows = env["crm.customer.stage.history"].search(
        [("partner_id", "=", partner.id), ("id", "not in", demo.mapped("res_id"))], order="id"
    )
    return [
        [
            row.id,
            row.stage_from_id.id,
            row.stage_to_id.id,
            str(row.date),
            row.change,
            row.user_id.id,
        ]
        for row in rows
    ]


def fingerprint():
    partners = env["res.partner"].search(env["crm.customer.metrics"]._customer_domain())
    return {
        str(partner.id): {
            "name": partner.name,
            "stage": partner.customer_stage_id.id,
            "grade": partner.credit_grade_id.id,
            "score": round(partner.credit_score, 2),
            "share": round(partner.share_of_wallet, 2),
            "history": history(partner),
            "warnings": live_warnings(partner),
        }
        for partner in partners
    }


def sale_order_dates(column):
    """Metrics row id -> its last confirmed sale order date, read from ``column`` by SQL
    (the field's name differs between the releases)."""
    env.cr.execute(
        SQL("SELECT id, %s FROM crm_customer_metrics ORDER BY id", SQL.identifier(column))
    )
    return {str(row_id): str(day) if day else None for row_id, day in env.cr.fetchall()}


def metrics_field_id(name):
    env.cr.execute(
        "SELECT id FROM ir_model_fields WHERE model = 'crm.customer.metrics' AND name = %s",
        [name],
    )
    return env.cr.fetchone()[0] if env.cr.rowcount else None


def rules():
    """Every warning rule as the previous release holds it: one metric, operator, threshold."""
    Rule = env["crm.customer.warning.rule"].with_context(active_test=False)
    return {
        str(rule.id): [rule.metric, rule.operator, rule.threshold, rule.active]
        for rule in Rule.search([])
    }


def fill():
    env["crm.customer.metrics"]._cron_refresh()
    env["crm.customer.warning.rule"]._cron_evaluate()
    env.invalidate_all()
    warning = env["crm.customer.warning"].search([("state", "=", "open")], limit=1)
    warning.action_acknowledge("Seen before the upgrade.")
    # a score written by a supervisor counts as approved after the upgrade
    admin = env.ref(ADMIN_XMLID)
    line = env["crm.customer.evaluation"].search([], order="id", limit=1)
    line.with_user(admin).write({"score": line.score - 1 if line.score else 1})
    env.cr.commit()
    customers = fingerprint()
    # the card changes hands after its history was written: 19.0.1.0.0 re-owned past rows
    owned = [pid for pid, card in customers.items() if card["history"] and card["history"][0][-1]]
    if not owned:
        return ["no customer with a card owner has a stage history: nothing to hand over"]
    moved = env["res.partner"].browse(int(owned[0]))
    new_owner = env["res.users"].search(
        [("share", "=", False), ("id", "not in", (moved.card_owner_id.id, 1))], limit=1
    )
    # a tracked change is dated to the whole second, a history row to the microsecond: the
    # hand-over must come a second after the rows, as it does in life, to tell them apart
    time.sleep(1)
    moved.card_owner_id = new_owner
    env.cr.commit()
    problems = [] if customers else ["the pass found no customer: nothing to compare"]
    if not any(card["warnings"] for card in customers.values()):
        problems.append("the warning rules opened no warning: nothing to compare")
    if not any(card["grade"] for card in customers.values()):
        problems.append("the pass gave no customer a grade: nothing to compare")
    order_dates = sale_order_dates(ORDER_DATE[0])
    if not any(order_dates.values()):
        problems.append("the pass measured no confirmed sale order: nothing to compare")
    with open(FINGERPRINT, "w", encoding="utf-8") as file:
        json.dump(
            {
                "customers": customers,
                "moved": moved.id,
                "scored_line": line.id,
                "sale_order_dates": order_dates,
                "sale_order_date_field": metrics_field_id(ORDER_DATE[0]),
                "rules": rules(),
            },
            file,
            indent=1,
        )
    return problems


def compare(before):
    problems = []
    now = fingerprint()
    for pid in sorted(before.keys() | now.keys(), key=int):
        old, new = before.get(pid), now.get(pid)
        if old is None or new is None:
            name = (old or new)["name"]
            problems.append(f"customer {pid} ({name}) {'appeared' if old is None else 'vanished'}")
            continue
        for key in old:
            if old[key] != new[key]:
                problems.append(f"customer {pid} ({old['name']}): {key} {old[key]} -> {new[key]}")
    return problems


def check_migrations(scored_line_id):
    from odoo.addons.crm_customer_mgmt.models.res_partner import REP_PARTNER_RULE_DOMAIN

    problems = []
    rule = env.ref(PARTNER_RULE_XMLID)
    if rule.domain_force != REP_PARTNER_RULE_DOMAIN:
        problems.append(f"the reps' partner rule was not rewritten: {rule.domain_force}")
    for xmlid, band in BANDS.items():
        stage = env.ref(xmlid)
        if [stage.share_min, stage.share_max] != band:
            problems.append(f"{xmlid}: band {stage.share_min}-{stage.share_max}, not {band}")
    Evaluation = env["crm.customer.evaluation"]
    unentered = Evaluation.search_count([("entered_by_id", "=", False)])
    if unentered:
        problems.append(f"{unentered} evaluation lines have no entered_by_id")
    scored = Evaluation.browse(scored_line_id)
    if (
        not scored.approved
        or scored.approved_by_id != env.ref(ADMIN_XMLID)
        or scored.approved_score != scored.score
    ):
        problems.append("the score a supervisor wrote before the upgrade is not approved")
    env.cr.execute(
        "SELECT 1 FROM res_groups_users_rel WHERE gid = %s AND uid = %s",
        [env.ref(SUPERVISORS_XMLID).id, env.ref("base.user_root").id],
    )
    if env.cr.rowcount or env.ref("base.user_root")._is_customer_supervisor():
        problems.append("base.user_root is still a customer supervisor")
    env.cr.execute(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_name = 'crm_customer_stage_history' AND column_name = 'changed_by_id'"
    )
    if env.cr.rowcount:
        problems.append("crm_customer_stage_history.changed_by_id was not dropped")
    return problems


def check_companies():
    """19.0.1.1.0: the values the pass wrote belong to the company it measured (the
    superuser's), other companies start empty, and its cursor is that company's."""
    problems = []
    measured = env.ref("base.user_root").company_id
    others = env["res.company"].search([("id", "!=", measured.id)])
    Partner = env["res.partner"]
    for name in ("customer_stage_id", "credit_grade_id"):
        if not Partner._fields[name].company_dependent:
            problems.append(f"res.partner.{name} is not company-dependent")
        elif others and Partner.with_company(others[0]).search_count([(name, "!=", False)]):
            problems.append(f"{name} has values in {others[0].name}, which was never measured")
    for model in ("crm.customer.stage.history", "crm.credit.grade.history"):
        if env[model].search_count([("company_id", "!=", measured.id)]):
            problems.append(f"{model} rows outside {measured.name}")
    Params = env["ir.config_parameter"]
    if Params.get_param("crm_customer_mgmt.metrics_cursor") or not Params.get_param(
        f"crm_customer_mgmt.metrics_cursor.{measured.id}"
    ):
        problems.append("the metrics cursor did not become the measured company's")
    return problems


def check_renamed_order_date(dates_before, field_before):
    """The metrics' last_order_date became last_sale_order_date with its values, its field
    record and its xml id, and left nothing behind."""
    old, new = ORDER_DATE
    problems = []
    env.cr.execute(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_name = 'crm_customer_metrics' AND column_name = %s",
        [old],
    )
    if env.cr.rowcount:
        problems.append(f"crm_customer_metrics.{old} is still there")
    if new not in env["crm.customer.metrics"]._fields:
        return [*problems, f"crm.customer.metrics has no field {new}"]
    dates_after = sale_order_dates(new)
    changed = [
        f"{row_id}: {day} -> {dates_after.get(row_id)}"
        for row_id, day in dates_before.items()
        if dates_after.get(row_id) != day
    ]
    if changed:
        problems.append(
            f"{len(changed)} metrics rows lost their {old} in {new}, e.g. "
            + ", ".join(changed[:5])
        )
    if metrics_field_id(old):
        problems.append(f"the field record crm.customer.metrics.{old} is still there")
    xmlid = f"crm_customer_mgmt.field_crm_customer_metrics__{new}"
    field = env.ref(xmlid, raise_if_not_found=False)
    if not field or field.id != metrics_field_id(new) or field.id != field_before:
        problems.append(f"{xmlid} is not the field record {old} had ({field_before})")
    return problems


def check_rule_conditions(before):
    """19.0.1.1.0: each rule of the previous release has one condition, its own metric,
    operator and threshold compared by value, all of them to hold."""
    problems = []
    Rule = env["crm.customer.warning.rule"].with_context(active_test=False)
    for rule_id, (metric, operator, threshold, active) in before.items():
        rule = Rule.browse(int(rule_id)).exists()
        if not rule:
            problems.append(f"warning rule {rule_id} vanished")
            continue
        conditions = [
            [line.metric, line.kind, line.operator, line.threshold] for line in rule.condition_ids
        ]
        if conditions != [[metric, "value", operator, threshold]] or rule.match != "all":
            problems.append(f"warning rule {rule_id} ({rule.name}): {rule.match} of {conditions}")
        now = [rule.metric, rule.operator, rule.threshold, rule.active]
        if now != [metric, operator, threshold, active]:
            problems.append(f"warning rule {rule_id} ({rule.name}) no longer reads {metric}")
    return problems


def check():
    with open(FINGERPRINT, encoding="utf-8") as file:
        before = json.load(file)
    problems = (
        compare(before["customers"])
        + check_migrations(before["scored_line"])
        + check_companies()
        + check_renamed_order_date(before["sale_order_dates"], before["sale_order_date_field"])
    )
    problems += check_rule_conditions(before["rules"])
    moved = env["res.partner"].browse(before["moved"])
    if not moved.customer_stage_history_ids:
        problems.append(f"customer {moved.id} lost the history rows the check relies on")
    return problems


problems = fill() if STEP == "fill" else check()
if problems:
    sys.exit(f"upgrade test ({STEP}): " + "\n  ".join(["failed:", *problems]))
print(f"upgrade test ({STEP}): ok")
