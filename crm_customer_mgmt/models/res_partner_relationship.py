# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..engine import stages as stage_engine
from .crm_customer_metrics import INTERRUPT_DAYS
from .res_partner import MANAGER_GROUP

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    """Relationship stage and share of wallet, kept current by the metrics pass."""

    _inherit = "res.partner"

    customer_stage_id = fields.Many2one(
        "crm.customer.stage",
        string="Relationship Stage",
        index=True,
        copy=False,
        readonly=True,
        group_expand="_read_group_customer_stage_ids",
    )
    stage_proposed_id = fields.Many2one(
        "crm.customer.stage",
        string="Proposed Stage",
        copy=False,
        readonly=True,
        help="The stage this customer qualifies for, waiting for a manager's confirmation.",
    )
    stage_date = fields.Date(string="In Stage Since", copy=False, readonly=True)
    stage_manual = fields.Boolean(string="Stage Set by Hand", copy=False, readonly=True)
    stage_manual_band_id = fields.Many2one("crm.customer.stage", copy=False, readonly=True)
    share_of_wallet = fields.Float(
        string="Share of Wallet (%)",
        digits=(6, 2),
        copy=False,
        readonly=True,
        aggregator="avg",
        help="Our sales against the customer's total spend in the current wallet period.",
    )
    customer_stage_history_ids = fields.One2many(
        "crm.customer.stage.history", "partner_id", string="Stage History"
    )
    customer_wallet_ids = fields.One2many(
        "crm.customer.wallet", "partner_id", string="Wallet Periods"
    )
    last_order_date = fields.Date(
        copy=False, readonly=True, help="Last posted invoice or confirmed sale order."
    )
    days_since_last_order = fields.Integer(compute="_compute_days_since_last_order")
    stage_playbook = fields.Html(related="customer_stage_id.playbook", string="Playbook")
    stage_is_interrupted = fields.Boolean(related="customer_stage_id.is_interrupted")
    churn_reason_id = fields.Many2one("crm.churn.reason", tracking=True, copy=False)
    dropped_category_ids = fields.Many2many(
        "product.category",
        string="Dropped Product Lines",
        compute="_compute_period_measures",
        help="Product categories bought in the previous period but not in the current one.",
    )
    period_sales = fields.Float(string="Sales (period)", compute="_compute_period_measures")
    period_sales_prev = fields.Float(
        string="Sales (previous period)", compute="_compute_period_measures"
    )
    period_invoice_count = fields.Integer(
        string="Invoices (period)", compute="_compute_period_measures"
    )
    period_invoice_count_prev = fields.Integer(
        string="Invoices (previous period)", compute="_compute_period_measures"
    )

    @api.model
    def _read_group_customer_stage_ids(self, stages, domain):
        return stages.search([("active", "=", True)])

    @api.depends("last_order_date")
    def _compute_days_since_last_order(self):
        today = fields.Date.context_today(self)
        for partner in self:
            last = partner.last_order_date
            partner.days_since_last_order = (today - last).days if last else 0

    def _compute_period_measures(self):
        """What the last metrics pass measured, in this company."""
        metrics = self.env["crm.customer.metrics"].search(
            [("partner_id", "in", self.ids), ("company_id", "=", self.env.company.id)]
        )
        by_partner = {row.partner_id.id: row for row in metrics}
        empty = self.env["crm.customer.metrics"]
        for partner in self:
            row = by_partner.get(partner.id, empty)
            dropped = set(row.categories_prev or []) - set(row.categories or [])
            partner.dropped_category_ids = [(6, 0, sorted(dropped))]
            partner.period_sales = row.sales
            partner.period_sales_prev = row.sales_prev
            partner.period_invoice_count = row.invoice_count
            partner.period_invoice_count_prev = row.invoice_count_prev

    def write(self, vals):
        res = super().write(vals)
        if vals.get("churn_reason_id"):
            self.env["crm.customer.stage.history"].search(
                [("partner_id", "in", self.ids), ("change", "=", "interrupted")],
                order="date desc, id desc",
            ).filtered(lambda line: not line.churn_reason_id)[:1].churn_reason_id = vals[
                "churn_reason_id"
            ]
        return res

    # Actions ----------------------------------------------------------------------------

    def action_refresh_relationship(self):
        """Run the metrics pass now for these customers."""
        customers = self.commercial_partner_id
        self.env["crm.customer.metrics"].sudo()._refresh_partners(
            customers.sudo(), fields.Date.context_today(self)
        )
        return True

    def action_confirm_stage(self):
        self._check_stage_manager()
        today = fields.Date.context_today(self)
        for partner in self.filtered("stage_proposed_id"):
            partner._change_stage(
                partner.stage_proposed_id,
                "confirmed",
                today,
                self.env._("Confirmed by %s.", self.env.user.name),
            )
        return True

    def action_open_stage_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_customer_mgmt.action_crm_customer_stage_history"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"graph_mode": "line", "graph_measure": "share_of_wallet"}
        return action

    def _check_stage_manager(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only customer managers can confirm or set stages."))

    # Metrics pass -----------------------------------------------------------------------

    def _update_relationship(self, measured, shares, today):
        """Apply the measured facts: last order, share, then the stage the engine decides."""
        stages = self.env["crm.customer.stage"].search([("active", "=", True)])
        if not stages:
            return
        interrupt_days = self.env["crm.customer.metrics"]._get_param(INTERRUPT_DAYS)
        engine_stages = stages._engine_stages()
        last_orders, decisions = {}, {}
        for partner in self:
            facts = measured[partner.id]
            last = max(
                filter(None, (facts["last_invoice_date"], facts["last_order_date"])), default=None
            )
            last_orders[partner.id] = last
            try:
                decisions[partner] = stage_engine.decide(
                    engine_stages,
                    partner._stage_facts(shares.get(partner.id), last, today),
                    interrupt_days,
                )
            except Exception:
                _logger.exception("Relationship stage of customer %s not decided.", partner.id)
        ids = list(last_orders)
        self._write_changed(
            ids,
            {
                "last_order_date": [last_orders[pid] for pid in ids],
                "share_of_wallet": [shares.get(pid) for pid in ids],
            },
        )
        self._apply_decisions(decisions, today)

    def _stage_facts(self, share, last, today):
        return stage_engine.Facts(
            share=share,
            days_inactive=(today - last).days if last else None,
            current_id=self.customer_stage_id.id or None,
            manual=self.stage_manual,
            manual_band_id=self.stage_manual_band_id.id or None,
        )

    def _apply_decisions(self, decisions, today):
        Stage = self.env["crm.customer.stage"]
        first = self.browse([p.id for p in decisions if not p.customer_stage_id])
        self._enter_first_stage(first, decisions, today)
        for partner, decision in decisions.items():
            if partner in first:
                continue
            moved = decision.stage_id != partner.customer_stage_id.id
            proposed = (decision.proposed_id or False) != partner.stage_proposed_id.id
            if not (moved or proposed):
                continue
            try:
                with self.env.cr.savepoint():
                    if moved:
                        partner._change_stage(
                            Stage.browse(decision.stage_id),
                            decision.reason,
                            today,
                            partner._decision_reason(decision, Stage),
                            band=Stage.browse(decision.band_id),
                        )
                    if proposed:
                        partner._propose_stage(Stage.browse(decision.proposed_id))
            except Exception:
                _logger.exception("Stage change of customer %s skipped.", partner.id)

    def _enter_first_stage(self, partners, decisions, today):
        """First placement, in bulk: a history line each, no message or activity."""
        if not partners:
            return
        self._write_changed(
            partners.ids,
            {
                "customer_stage_id": [decisions[p].stage_id for p in partners],
                "stage_date": [today] * len(partners),
            },
        )
        self.env["crm.customer.stage.history"].create(
            [
                {
                    "partner_id": partner.id,
                    "stage_to_id": decisions[partner].stage_id,
                    "date": today,
                    "share_of_wallet": partner.share_of_wallet,
                    "change": decisions[partner].reason,
                    "reason": self.env._("First placement by the metrics pass."),
                }
                for partner in partners
            ]
        )

    def _decision_reason(self, decision, Stage):
        share = f"{self.share_of_wallet:.1f}"
        band = Stage.browse(decision.band_id).name
        reasons = {
            stage_engine.ADVANCED: self.env._(
                "Share of wallet %(share)s%% supports %(band)s; the relationship climbs one"
                " stage per pass.",
                share=share,
                band=band,
            ),
            stage_engine.FELL: self.env._(
                "Share of wallet fell to %(share)s%%, the band of %(band)s.",
                share=share,
                band=band,
            ),
            stage_engine.INTERRUPTED: self.env._(
                "No invoice or confirmed order for %(days)s days (last: %(date)s).",
                days=self.days_since_last_order,
                date=self.last_order_date,
            ),
            stage_engine.RETURNED: self.env._(
                "Trading again after an interruption: the relationship starts over."
            ),
        }
        return reasons.get(decision.reason, decision.reason)

    def _change_stage(self, stage, change, today, reason, band=None, churn_reason=None):
        """Move this customer to ``stage``: history, chatter, activities."""
        self.ensure_one()
        previous = self.customer_stage_id
        self.env["crm.customer.stage.history"].create(
            {
                "partner_id": self.id,
                "stage_from_id": previous.id,
                "stage_to_id": stage.id,
                "date": today,
                "share_of_wallet": self.share_of_wallet,
                "change": change,
                "reason": reason,
                "duration_days": (today - self.stage_date).days if self.stage_date else 0,
                "churn_reason_id": churn_reason and churn_reason.id,
            }
        )
        self.sudo().write(
            {
                "customer_stage_id": stage.id,
                "stage_date": today,
                "stage_proposed_id": False,
                "stage_manual": change == "manual",
                "stage_manual_band_id": band.id if band and change == "manual" else False,
                "churn_reason_id": churn_reason.id if churn_reason else False,
            }
        )
        self.message_post(
            body=self.env._(
                "Relationship stage: %(old)s → %(new)s. %(reason)s",
                old=previous.name or self.env._("none"),
                new=stage.name,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )
        self._schedule_stage_activities(stage)

    def _propose_stage(self, stage):
        self.sudo().write({"stage_proposed_id": stage.id})
        if stage:
            self.message_post(
                body=self.env._(
                    "This customer qualifies for %s: a customer manager's confirmation is needed.",
                    stage.name,
                ),
                subtype_xmlid="mail.mt_note",
            )

    def _schedule_stage_activities(self, stage):
        owner = self.card_owner_id or self.user_id
        for template in stage.activity_plan_id.template_ids:
            responsible = template._determine_responsible(owner, self)["responsible"] or owner
            self.activity_schedule(
                activity_type_id=template.activity_type_id.id,
                summary=template.summary,
                note=template.note,
                user_id=(responsible or self.env.user).id,
                date_deadline=template._get_date_deadline(),
            )
        if stage.is_interrupted and not self.churn_reason_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Record why this customer stopped buying"),
                note=self.env._("Set the churn reason on the customer card."),
                user_id=(owner or self.env.user).id,
            )

    def _write_changed(self, ids, columns):
        """Bulk UPDATE of stored columns, only on rows whose values differ; no ORM side effects."""
        if not ids:
            return
        names = list(columns)
        self.flush_model(names)
        types = [SQL(self._fields[name].column_type[1] + "[]") for name in names]
        self.env.execute_query(
            SQL(
                """
            UPDATE res_partner p SET %(sets)s, write_date = now()
              FROM unnest(%(ids)s::int[], %(arrays)s) AS v(id, %(cols)s)
             WHERE p.id = v.id AND (%(old)s) IS DISTINCT FROM (%(new)s)
            """,
                sets=SQL(", ").join(
                    SQL("%s = v.%s", SQL.identifier(name), SQL.identifier(name)) for name in names
                ),
                ids=list(ids),
                arrays=SQL(", ").join(
                    SQL("%s::%s", columns[name], type_)
                    for name, type_ in zip(names, types, strict=True)
                ),
                cols=SQL(", ").join(SQL.identifier(name) for name in names),
                old=SQL(", ").join(SQL.identifier("p", name) for name in names),
                new=SQL(", ").join(SQL.identifier("v", name) for name in names),
            )
        )
        self.invalidate_model(names + ["write_date"])
