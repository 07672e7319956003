# crm.customer.warning.rule is split by concern: the rules, their run, scope and facts
# pylint: disable=consider-merging-classes-inherited
from datetime import timedelta

from odoo import api, models

from .crm_customer_metrics_pass import BATCH_SIZE

# Odoo's partner fields the facts read, computed for a batch at once
SIGNALS = [
    "credit_limit",
    "credit_to_invoice",
    "last_order_date",
    "card_review_date",
    "card_completeness",
    "annual_sales_target",
    "contact_cadence_days",
    "create_date",
]


def _days(since, today):
    return (today - since).days if since else None


def _until(name, until, operator="<="):
    """The domain condition bounding ``name`` by ``until``, none without it."""
    return [(name, operator, until)] if until else []


class CrmCustomerWarningRule(models.Model):
    """The facts the warning metrics read, per customer: every measure of the metrics table
    under its own name, and what the rules derive from the measures, the wallet, the
    histories and the card."""

    _inherit = "crm.customer.warning.rule"

    @api.model
    def _warning_facts(self, partners, period_days, today):
        """Customer id -> the facts the warning metrics read, gathered set-based by batch;
        each batch's records leave the cache after it, so memory stays flat."""
        facts = {}
        for start in range(0, len(partners), BATCH_SIZE):
            facts.update(
                self._warning_facts_batch(partners[start : start + BATCH_SIZE], period_days, today)
            )
            self.env.invalidate_all()
        return facts

    def _warning_facts_batch(self, partners, period_days, today):
        ids = partners.ids
        since = today - timedelta(days=period_days)
        return self._facts_assemble(
            partners._odoo_signals(SIGNALS),
            self.env["crm.customer.metrics"]._measure_values(ids),
            self.env["crm.customer.wallet"]._shares(ids, today),
            {
                "stage_fell": self._stage_falls(ids, since),
                "grade_change": self._grade_downgrades(ids, since),
                "key_contact_changes": self._key_contact_changes(ids, since),
            },
            today,
        )

    @api.model
    def _facts_assemble(self, signals, measures, shares, history, today):
        """The facts of each customer of ``signals`` (partner id -> Odoo's fields) from its
        measures, its (current, previous) wallet shares and its history."""
        jan1 = today.replace(month=1, day=1)
        elapsed = ((today - jan1).days + 1) / ((jan1.replace(year=jan1.year + 1) - jan1).days)
        current, previous = shares
        return {
            pid: {
                **measures[pid],
                **self._facts_of_measures(measures[pid]),
                **self._facts_of_signals(signal, measures[pid], today),
                "share": current.get(pid),
                "share_prev": previous.get(pid),
                "stage_fell": history["stage_fell"].get(pid, False),
                "grade_change": history["grade_change"].get(pid, False),
                "key_contact_changes": history["key_contact_changes"].get(pid, []),
                "year_elapsed": elapsed,
            }
            for pid, signal in signals.items()
        }

    @api.model
    def _facts_of_measures(self, row):
        """The measures the built-in metrics read, zero (or empty) when not measured yet."""
        return {
            "overdue_amount": float(row["overdue_amount"] or 0),
            "overdue_days": row["overdue_days"] or 0,
            "sales": float(row["sales"] or 0),
            "sales_prev": float(row["sales_prev"] or 0),
            "monthly_sales": [float(v) for v in row["monthly_sales"] or []],
            "lines": len(row["categories"] or []),
            "lines_prev": len(row["categories_prev"] or []),
            "invoices": row["invoice_count"] or 0,
            "invoices_prev": row["invoice_count_prev"] or 0,
            "sales_ytd": float(row["sales_ytd"] or 0),
            "cost_to_serve": float(row["cost_to_serve"] or 0),
        }

    @api.model
    def _facts_of_signals(self, signal, row, today):
        open_receivable = float(row["open_receivable"] or 0)
        limit = signal["credit_limit"]
        return {
            "days_since_last_order": _days(signal["last_order_date"], today),
            "limit_usage": 100.0 * (open_receivable + signal["credit_to_invoice"]) / limit
            if limit > 0
            else None,
            "days_since_review": _days(signal["card_review_date"], today),
            "completeness": signal["card_completeness"],
            "annual_target": signal["annual_sales_target"],
            "days_without_contact": _days(row["last_contact_date"], today),
            "contact_cadence": signal["contact_cadence_days"] or None,
            "days_known": _days(signal["create_date"] and signal["create_date"].date(), today),
        }

    def _stage_falls(self, partner_ids, since, until=None):
        """The stage each customer last fell back to since ``since`` (up to ``until``)."""
        falls = self.env["crm.customer.stage.history"].search(
            [
                ("partner_id", "in", partner_ids),
                ("company_id", "=", self.env.company.id),
                ("change", "=", "fell"),
                ("date", ">=", since),
                *_until("date", until),
            ],
            order="date desc, id desc",
        )
        result = {}
        for fall in falls:
            result.setdefault(fall.partner_id.id, fall.stage_to_id.name)
        return result

    def _grade_downgrades(self, partner_ids, since, until=None):
        """Each customer's last credit grade downgrade since ``since`` (up to ``until``)."""
        changes = self.env["crm.credit.grade.history"].search(
            [
                ("partner_id", "in", partner_ids),
                ("company_id", "=", self.env.company.id),
                ("date", ">=", since),
                *_until("date", until),
                ("grade_from_id", "!=", False),
            ],
            order="date desc, id desc",
        )
        result = {}
        for change in changes:
            if change.grade_to_id.min_score < change.grade_from_id.min_score:
                result.setdefault(
                    change.partner_id.id,
                    f"{change.grade_from_id.name} → {change.grade_to_id.name}",
                )
        return result

    def _key_contact_changes(self, partner_ids, since, until=None):
        """Decision makers who left (archived) or joined an older customer since ``since``;
        up to ``until``, as things stood at the end of that day: a contact archived later
        was still there (archiving dated by the contact's last change), one created later
        was not yet."""
        contacts = (
            self.env["res.partner"]
            .with_context(active_test=False)
            .search(
                [
                    ("parent_id", "in", partner_ids),
                    ("buying_role", "=", "decision_maker"),
                    "|",
                    ("create_date", ">=", since),
                    "&",
                    ("active", "=", False),
                    ("write_date", ">=", since),
                    *_until("create_date", until and until + timedelta(days=1), "<"),
                ]
            )
        )
        result = {}
        for contact in contacts:
            if not contact.active and not (until and contact.write_date.date() > until):
                words = self.env._("%s left", contact.name)
            elif contact.create_date.date() >= since > contact.parent_id.create_date.date():
                words = self.env._("%s joined", contact.name)
            else:
                continue  # a new customer's first contacts are no change
            result.setdefault(contact.parent_id.id, []).append(words)
        return result
