from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine import warnings as warning_engine

OPERATORS = [(">", ">"), (">=", "≥"), ("<", "<"), ("<=", "≤"), ("=", "="), ("!=", "≠")]

# Marks the condition writes a rule makes itself: created with the rule (its creation
# message says so), or written through the rule's form, which checks the rule keeps a
# condition once all its lines are written. A Python object: no RPC caller can set it.
_RULE_OWN = object()
RULE_CREATE_KEY = "crm_customer_warning_rule_create"
RULE_WRITE_KEY = "crm_customer_warning_rule_write"


def format_number(value):
    """A threshold as people write it: 30, 2.5, 1,000."""
    return f"{value or 0:,.2f}".rstrip("0").rstrip(".")


class CrmCustomerWarningRuleCondition(models.Model):
    """One condition of a warning rule: a metric's value, or its change against the
    previous period, compared with a threshold. What is measured is declared once, with
    the metrics (``crm.customer.warning.rule._warning_metrics()``)."""

    _name = "crm.customer.warning.rule.condition"
    _description = "Customer Warning Rule Condition"
    _order = "sequence, id"

    rule_id = fields.Many2one(
        "crm.customer.warning.rule", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    metric = fields.Selection(selection="_selection_metric", required=True)
    kind = fields.Selection(
        [("value", "Value"), ("change", "Change vs previous period (%)")],
        string="Compare",
        required=True,
        compute="_compute_kind",
        store=True,
        readonly=False,
        precompute=True,
        help="The metric's value, or its change in percent against the previous period"
        " (negative for a fall: at most -50 means it fell by at least half).",
    )
    operator = fields.Selection(OPERATORS, required=True, default=">=")
    threshold = fields.Float(digits=(16, 2))
    unit_label = fields.Char(string="Unit", compute="_compute_unit_label")
    has_previous = fields.Boolean(
        compute="_compute_metric_traits", help="The metric has a value in the previous period."
    )
    uses_period = fields.Boolean(
        compute="_compute_metric_traits", help="The metric reads the rule's period."
    )

    @api.model
    def _selection_metric(self):
        return self.env["crm.customer.warning.rule"]._selection_metric()

    def _metric(self):
        """The declaration of this condition's metric, None when unknown."""
        return self.env["crm.customer.warning.rule"]._warning_metrics().get(self.metric)

    @api.depends("metric")
    def _compute_kind(self):
        for condition in self:
            definition = condition._metric()
            if not condition.kind or not (definition and definition.previous):
                condition.kind = "value"

    @api.depends("metric")
    def _compute_metric_traits(self):
        for condition in self:
            definition = condition._metric()
            condition.has_previous = bool(definition and definition.previous)
            condition.uses_period = bool(definition and definition.uses_period)

    @api.depends("metric", "kind", "rule_id.company_id")
    def _compute_unit_label(self):
        for condition in self:
            condition.unit_label = condition._unit_label(condition._unit())

    def _unit(self):
        """The engine's unit of this condition's threshold."""
        if self.kind == "change":
            return warning_engine.PERCENT
        definition = self._metric()
        return definition.unit if definition else None

    def _unit_label(self, unit):
        """What a threshold counts in ``unit``, in the user's words; amounts are in the
        company's currency."""
        currency = (self.rule_id.company_id or self.env.company).currency_id
        return {
            warning_engine.DAYS: self.env._("days"),
            warning_engine.MONTHS: self.env._("months"),
            warning_engine.PERCENT: "%",
            warning_engine.POINTS: self.env._("points"),
            warning_engine.AMOUNT: currency.name,
            warning_engine.COUNT: self.env._("count"),
        }.get(unit, "")

    @api.depends("metric", "kind", "operator", "threshold", "unit_label")
    def _compute_display_name(self):
        labels = dict(self._fields["metric"]._description_selection(self.env))
        operators = dict(OPERATORS)
        for condition in self:
            params = {
                "metric": labels.get(condition.metric, condition.metric or ""),
                "operator": operators.get(condition.operator, ""),
                "threshold": format_number(condition.threshold),
                "unit": condition._shown_unit(),
            }
            if condition.kind == "change":
                text = self.env._(
                    "%(metric)s, change vs previous period %(operator)s %(threshold)s%(unit)s",
                    **params,
                )
            else:
                text = self.env._("%(metric)s %(operator)s %(threshold)s%(unit)s", **params)
            condition.display_name = text

    @api.constrains("metric", "kind", "threshold")
    def _check_threshold(self):
        metrics = self.env["crm.customer.warning.rule"]._warning_metrics()
        for condition in self:
            definition = metrics.get(condition.metric)
            if definition is None:
                raise ValidationError(self.env._("Unknown warning metric: %s.", condition.metric))
            if condition.kind == "change" and not definition.previous:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s: %(metric)s has no previous period to compare with;"
                        " compare its value instead.",
                        rule=condition.rule_id.display_name,
                        metric=condition._metric_label(),
                    )
                )
            condition._check_bounds(
                warning_engine.CHANGE_BOUNDS if condition.kind == "change" else definition.bounds
            )

    def _metric_label(self):
        return dict(self._fields["metric"]._description_selection(self.env)).get(self.metric)

    def _check_bounds(self, bounds):
        low, high = bounds
        if low <= self.threshold <= high:
            return
        raise ValidationError(
            self.env._(
                "Rule %(rule)s: the threshold of %(metric)s must be between %(low)s and"
                " %(high)s%(unit)s, not %(value)s.",
                rule=self.rule_id.display_name,
                metric=self._metric_label(),
                low=format_number(low),
                high=format_number(high),
                unit=self._shown_unit(),
                value=format_number(self.threshold),
            )
        )

    def _shown_unit(self):
        """The unit as it follows a number in words: none for a count."""
        unit = self._unit()
        if unit == warning_engine.COUNT or not self.unit_label:
            return ""
        return self.unit_label if unit == warning_engine.PERCENT else f" {self.unit_label}"

    # CRUD: what changes is told in the rule's chatter ------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        conditions = super().create(vals_list)
        if self.env.context.get(RULE_CREATE_KEY) is not _RULE_OWN:
            for rule, added in conditions.grouped("rule_id").items():
                rule._log_condition_changes(
                    [self.env._("Added: %s", line.display_name) for line in added]
                )
        conditions.rule_id._conditions_changed()
        return conditions

    def write(self, vals):
        if "rule_id" in vals and any(line.rule_id.id != vals["rule_id"] for line in self):
            raise UserError(
                self.env._("A condition stays with its rule: add one to the other rule.")
            )
        before = {condition: condition.display_name for condition in self}
        result = super().write(vals)
        self.invalidate_recordset(["display_name", "unit_label"])
        for rule, conditions in self.grouped("rule_id").items():
            rule._log_condition_changes(
                [
                    self.env._(
                        "Changed: %(before)s → %(after)s",
                        before=before[line],
                        after=line.display_name,
                    )
                    for line in conditions
                    if line.display_name != before[line]
                ]
            )
        self.rule_id._conditions_changed()
        return result

    def unlink(self):
        rules = self.rule_id
        removed = {
            rule: lines.mapped("display_name") for rule, lines in self.grouped("rule_id").items()
        }
        result = super().unlink()
        if self.env.context.get(RULE_WRITE_KEY) is not _RULE_OWN:
            rules._check_has_conditions()
        for rule, names in removed.items():
            rule._log_condition_changes([self.env._("Removed: %s", name) for name in names])
        rules._conditions_changed()
        return result

    def _words(self, reading):
        """What this condition measured, against its threshold, in the env's language."""
        return self.env._(
            "%(words)s (threshold %(operator)s %(threshold)s)",
            words=reading.words(self.env._) or self._metric_label(),
            operator=self.operator,
            threshold=format_number(self.threshold),
        )

    def _snapshot(self, readings, met):
        """What a warning keeps of these conditions when it opens: each condition and what
        it measured (``readings`` and ``met``, in the order of the conditions)."""
        return [
            {
                "metric": condition.metric,
                "kind": condition.kind,
                "operator": condition.operator,
                "threshold": condition.threshold,
                "unit": condition.unit_label,
                "label": condition.display_name,
                "value": reading.value,
                "met": is_met,
                "words": reading.words(self.env._),
            }
            for condition, reading, is_met in zip(self, readings, met, strict=True)
        ]


def render_snapshot(env, snapshot):
    """A warning's snapshot (see ``_snapshot``) as HTML, in the reader's language where the
    words allow it."""
    conditions = snapshot.get("conditions") or []
    if not conditions:
        return False
    intro = (
        env._("All of these conditions held when it opened:")
        if snapshot.get("match") == "all"
        else env._("It opened because at least one of these conditions held:")
    )
    items = Markup("").join(
        Markup("<li>%s %s: %s%s</li>")
        % (
            "✔" if row.get("met") else "✘",
            row.get("label") or row.get("metric"),
            env._("measured %s", format_number(row["value"]))
            if row.get("value") is not None
            else env._("not measured"),
            f" ({row['words']})" if row.get("words") else "",
        )
        for row in conditions
    )
    return Markup("<p>%s</p><ul>%s</ul>") % (intro, items)
