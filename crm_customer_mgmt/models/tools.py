"""Small helpers shared by the models: range checks and counts."""

from odoo.exceptions import ValidationError


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
    """How many ``comodel`` records point to each of ``records`` through ``field``."""
    groups = records.env[comodel]._read_group(
        [(field, "in", records.ids), *domain], [field], ["__count"]
    )
    return dict(groups)
