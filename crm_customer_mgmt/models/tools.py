"""Small helpers shared by the models: range checks, counts, bulk computes and inserts."""

import json

from odoo.exceptions import ValidationError
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


def json_values(model, names, rows):
    """``rows`` (dicts) as a typed SQL row source ``v`` with the columns ``names`` of
    ``model``: one JSON parameter, which PostgreSQL parses far faster than arrays."""
    return SQL(
        "json_to_recordset(%s) AS v(%s)",
        json.dumps(rows, default=str),
        SQL(", ").join(
            SQL("%s %s", SQL.identifier(name), SQL(model._fields[name].column_type[1]))
            for name in names
        ),
    )


def compute_at_once(records, names):
    """Compute the non-stored fields ``names`` for all ``records`` in one call each.

    Read record by record, the ORM computes them a thousand records at a time, and some
    computes run a query or a scan each time.
    """
    for name in names:
        field = records._fields[name]
        if field.compute and not field.store:
            field.compute_value(records)
