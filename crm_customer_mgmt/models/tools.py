"""Small helpers shared by the models: range checks, counts, bulk computes, inserts and
updates, run locks."""

import json
import zlib
from contextlib import contextmanager

from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL


def check_ranges(records, ranges):
    """Refuse any field of ``records`` outside its ``(minimum, maximum)`` in ``ranges``."""
    for record in records:
        for name, (low, high) in ranges.items():
            if not low <= record[name] <= high:
                raise ValidationError(
                    records.env._(
                        "%(field)s of %(record)s must be between %(low)s and %(high)s,"
                        " not %(value)s.",
                        field=records._fields[name].get_description(records.env)["string"],
                        record=record.display_name,
                        low=low,
                        high=high,
                        value=record[name],
                    )
                )


def count_by(records, comodel, field, domain=()):
    """How many ``comodel`` records point to each of ``records`` through ``field``; a record
    being edited in a form (no id yet) counts as its saved original."""
    groups = records.env[comodel]._read_group(
        [(field, "in", records._origin.ids), *domain], [field], ["__count"]
    )
    counts = {target.id: count for target, count in groups}
    return {record: counts.get(record._origin.id, 0) for record in records}


def count_in_every_company(records, comodel, field):
    """How many ``comodel`` records point to each of ``records`` through the
    company-dependent ``field``, in any company."""
    Comodel = records.env[comodel]
    Comodel.flush_model([field])
    rows = records.env.execute_query(
        SQL(
            """
            SELECT value::int, COUNT(*) FROM %(table)s, jsonb_each_text(%(column)s)
             WHERE value IS NOT NULL AND value::int = ANY(%(ids)s) GROUP BY 1
            """,
            table=SQL.identifier(Comodel._table),
            column=SQL.identifier(field),
            ids=records.ids,
        )
    )
    counts = dict(rows)
    return {record: counts.get(record.id, 0) for record in records}


def insert_rows(model, rows):
    """INSERT ``rows`` (dicts of stored column values, same keys) into ``model``'s table at once.

    For the pass's own history tables, which no ORM hook, computed field or constraint
    watches: the ORM would spend a query and a few hundred Python calls per row.
    """
    if not rows:
        return
    names = list(rows[0])
    env = model.env
    env.execute_query(
        SQL(
            """
        INSERT INTO %(table)s (%(cols)s, create_uid, write_uid, create_date, write_date)
        SELECT %(vcols)s, %(uid)s, %(uid)s, now(), now() FROM %(values)s
            """,
            table=SQL.identifier(model._table),
            cols=SQL(", ").join(SQL.identifier(name) for name in names),
            vcols=SQL(", ").join(SQL.identifier("v", name) for name in names),
            uid=env.uid,
            values=json_values(model, names, rows),
        )
    )
    model.invalidate_model()
    for name in names:  # the one2many fields listing the new rows
        for inverse in model.pool.field_inverses[model._fields[name]]:
            env[inverse.model_name].invalidate_model([inverse.name])


def update_rows(model, values):
    """UPDATE ``model``'s rows at once from ``values`` (record id -> {column: value}, the
    same columns for every record), only where a value differs. ``write_date`` stays: what
    a pass writes is no change for the next incremental pass to measure again.

    For the columns the passes own, which no ORM hook, computed field or constraint
    watches; a company-dependent column changes in the environment's company only (see
    ``set_values_sql``).
    """
    if not values:
        return
    columns = next(iter(values.values())).keys()
    if any(row.keys() != columns for row in values.values()):
        raise ValueError("update_rows: every record must have the same columns")
    names = list(columns)
    model.flush_model(names)
    sets, old, new = set_values_sql(model, "p", names)
    model.env.execute_query(
        SQL(
            """
        UPDATE %(table)s p SET %(sets)s
          FROM %(values)s
         -- the bounds keep the join on the batch's part of the primary key
         WHERE p.id = v.id AND p.id BETWEEN %(first)s AND %(last)s
           AND (%(old)s) IS DISTINCT FROM (%(new)s)
            """,
            table=SQL.identifier(model._table),
            sets=sets,
            values=json_values(
                model, [*names, "id"], [{**row, "id": rid} for rid, row in values.items()]
            ),
            first=min(values),
            last=max(values),
            old=old,
            new=new,
        )
    )
    model.invalidate_model(names)


def json_values(model, names, rows):
    """``rows`` (dicts) as a typed SQL row source ``v`` with the columns ``names`` of
    ``model``: one JSON parameter, which PostgreSQL parses far faster than arrays."""
    return SQL(
        "json_to_recordset(%s) AS v(%s)",
        json.dumps(rows, default=str),
        SQL(", ").join(
            SQL("%s %s", SQL.identifier(name), SQL(_value_type(model._fields[name])))
            for name in names
        ),
    )


def _value_type(field):
    """The SQL type of ``field``'s values: a company-dependent field's own, not its
    column's (jsonb)."""
    return field._column_type[1] if field.company_dependent else field.column_type[1]


def stored_values_sql(model, alias, names):
    """The columns ``names`` of ``model``'s row ``alias`` as the ORM reads them: a
    company-dependent field's value in the environment's company."""
    return SQL(", ").join(model._fields[name].to_sql(model, alias) for name in names)


def set_values_sql(model, alias, names):
    """``SET`` terms and the old and new values of the columns ``names`` of row ``alias``
    from row source ``v`` (see ``json_values``); a company-dependent column changes its
    environment's company value only, as the ORM writes it (numbers and flags never null)."""
    company = str(model.env.company.id)
    sets, old, new = [], [], []
    for name in names:
        field, column = model._fields[name], SQL.identifier(name)
        value = SQL.identifier("v", name)
        if not field.company_dependent:
            sets.append(SQL("%s = %s", column, value))
            old.append(SQL.identifier(alias, name))
            new.append(value)
            continue
        if field.type in ("boolean", "integer", "float", "monetary"):
            value = SQL("COALESCE(%s, %s)", value, False if field.type == "boolean" else 0)
        sets.append(
            SQL(
                "%s = COALESCE(%s, '{}'::jsonb) || jsonb_build_object(%s, %s)",
                column,
                SQL.identifier(alias, name),
                company,
                value,
            )
        )
        old.append(SQL("COALESCE(%s -> %s, 'null'::jsonb)", SQL.identifier(alias, name), company))
        new.append(SQL("COALESCE(to_jsonb(%s), 'null'::jsonb)", value))
    return SQL(", ").join(sets), SQL(", ").join(old), SQL(", ").join(new)


def compute_at_once(records, names):
    """Compute the non-stored fields ``names`` for all ``records`` in one call each.

    Read record by record, the ORM computes them a thousand records at a time, and some
    computes run a query or a scan each time.
    """
    for name in names:
        field = records._fields[name]
        if field.compute and not field.store:
            field.compute_value(records)


# Marks the writes of the pass and of the app's own actions. A Python object, so that no
# RPC caller can put it in a context.
_OWNED_WRITE = object()
OWNED_WRITE_KEY = "crm_customer_mgmt_owned_write"


def owned_writer(records):
    """``records`` allowed to write the fields the app's passes and actions own."""
    return records.with_context(**{OWNED_WRITE_KEY: _OWNED_WRITE})


def is_owned_write(records):
    """Whether this write comes from the app's own code (or loads a module's data)."""
    return records.env.context.get(OWNED_WRITE_KEY) is _OWNED_WRITE or is_data_load(records.env)


def is_data_load(env):
    """Whether a module's data files are being loaded (as the superuser)."""
    return env.su and bool(env.context.get("install_mode"))


def created_values(records, vals):
    """What a create of ``vals`` sets: ``vals`` over the ``default_*`` keys of the context,
    which fill in the fields ``vals`` leaves out."""
    context = records.env.context
    defaults = {key[8:]: value for key, value in context.items() if key.startswith("default_")}
    return {**defaults, **vals}


def refuse_owned_fields(records, names, owned):
    """Raise a clear AccessError when ``names`` touch ``owned`` fields outside the app's code."""
    touched = sorted(set(names) & owned)
    if not touched or is_owned_write(records):
        return
    labels = ", ".join(
        records._fields[name].get_description(records.env)["string"] for name in touched
    )
    raise AccessError(
        records.env._(
            "%(fields)s of %(model)s cannot be changed directly: the nightly pass and the"
            " app's actions keep them.",
            fields=labels,
            model=records.env["ir.model"]._get(records._name).name,
        )
    )


def create_quiet_activities(records, values):
    """Automated activities on ``records``' model (``values`` without it), created at once
    and without Odoo's assignment mail for each: the passes schedule them by the thousand."""
    model_id = records.env["ir.model"]._get_id(records._name)
    return (
        records.env["mail.activity"]
        .with_context(mail_activity_quick_update=True)
        .create([{"res_model_id": model_id, "automated": True, **vals} for vals in values])
    )


def _lock_key(name, company_id):
    """PostgreSQL advisory lock key (two int4) of run ``name`` in a company."""
    return zlib.crc32(name.encode()) - 2**31, company_id


@contextmanager
def exclusive_runs(env, name, company_ids, *, across_commits=False):
    """Take the lock of run ``name`` in each of ``company_ids`` that no other run holds;
    yields the ids taken.

    ``across_commits``: session-level locks, kept through the commits of a cron run and
    released on exit, whatever happens; else transaction-level ones, released by the
    transaction's own commit or rollback, so that nothing can leave them behind.
    """
    function = SQL("pg_try_advisory_lock" if across_commits else "pg_try_advisory_xact_lock")
    taken = []
    try:
        for company_id in company_ids:
            query = SQL("SELECT %s(%s, %s)", function, *_lock_key(name, company_id))
            if env.execute_query(query)[0][0]:
                taken.append(company_id)
        yield taken
    finally:
        if across_commits and taken:
            _unlock(env.cr, name, taken)


def _unlock(cr, name, company_ids):
    if cr._cnx.info.transaction_status == TRANSACTION_STATUS_INERROR:
        cr.rollback()  # a failed statement: the run's work is lost anyway, the lock must go
    for company_id in company_ids:
        cr.execute(SQL("SELECT pg_advisory_unlock(%s, %s)", *_lock_key(name, company_id)))


def busy_companies(env, name, company_ids):
    """The companies among ``company_ids`` where run ``name`` is going on now."""
    with exclusive_runs(env, name, company_ids, across_commits=True) as free:
        return [company_id for company_id in company_ids if company_id not in free]


def check_customers_access(env, partner_ids, operation, message):
    """Raise ``message`` as an AccessError unless the user may ``operation`` (read, write)
    every partner of ``partner_ids``: record rules check a record before it points to a
    customer, not the customer it then names. Odoo's own error would name the customer."""
    if not partner_ids or env.su:
        return
    try:
        env["res.partner"].browse(partner_ids).check_access(operation)
    except AccessError as error:
        raise AccessError(message) from error
