# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine import stages as stage_engine
from .res_partner import USER_GROUP
from .res_partner_stage import StageMove
from .settings import INTERRUPT_DAYS, get_setting
from .tools import update_rows

_logger = logging.getLogger(__name__)


class ResPartner(models.Model):
    """Relationship stage and share of wallet, kept current by the metrics pass."""

    _inherit = "res.partner"

    customer_stage_id = fields.Many2one(
        "crm.customer.stage",
        string="Relationship Stage",
        company_dependent=True,
        copy=False,
        readonly=True,
        group_expand="_read_group_customer_stage_ids",
        groups=USER_GROUP,
    )
    stage_proposed_id = fields.Many2one(
        "crm.customer.stage",
        string="Proposed Stage",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=USER_GROUP,
        help="The stage this customer qualifies for, waiting for a manager's confirmation.",
    )
    stage_date = fields.Date(
        string="In Stage Since",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=USER_GROUP,
    )
    stage_manual = fields.Boolean(
        string="Stage Set by Hand",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=USER_GROUP,
    )
    stage_manual_band_id = fields.Many2one(
        "crm.customer.stage", company_dependent=True, copy=False, readonly=True, groups=USER_GROUP
    )
    share_of_wallet = fields.Float(
        string="Share of Wallet (%)",
        digits=(6, 2),
        company_dependent=True,
        copy=False,
        readonly=True,
        aggregator="avg",
        groups=USER_GROUP,
        help="Our sales against the customer's total spend in the current wallet period.",
    )
    customer_stage_history_ids = fields.One2many(
        "crm.customer.stage.history", "partner_id", string="Stage History", groups=USER_GROUP
    )
    customer_wallet_ids = fields.One2many(
        "crm.customer.wallet", "partner_id", string="Wallet Periods", groups=USER_GROUP
    )
    customer_owner_history_ids = fields.One2many(
        "crm.customer.owner.history", "partner_id", string="Owner History", groups=USER_GROUP
    )
    last_order_date = fields.Date(
        string="Last Invoice or Order",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=USER_GROUP,
        help="Last posted invoice or confirmed sale order.",
    )
    days_since_last_order = fields.Integer(
        compute="_compute_days_since_last_order", groups=USER_GROUP
    )
    stage_playbook = fields.Html(
        related="customer_stage_id.playbook", string="Playbook", groups=USER_GROUP
    )
    stage_is_interrupted = fields.Boolean(
        related="customer_stage_id.is_interrupted", groups=USER_GROUP
    )
    churn_reason_id = fields.Many2one(
        "crm.churn.reason", company_dependent=True, tracking=True, copy=False, groups=USER_GROUP
    )
    dropped_category_ids = fields.Many2many(
        "product.category",
        string="Dropped Product Lines",
        compute="_compute_period_measures",
        groups=USER_GROUP,
        help="Product categories bought in the previous period but not in the current one.",
    )
    period_sales = fields.Float(
        string="Sales (period)", compute="_compute_period_measures", groups=USER_GROUP
    )
    period_sales_prev = fields.Float(
        string="Sales (previous period)", compute="_compute_period_measures", groups=USER_GROUP
    )
    period_invoice_count = fields.Integer(
        string="Invoices (period)", compute="_compute_period_measures", groups=USER_GROUP
    )
    period_invoice_count_prev = fields.Integer(
        string="Invoices (previous period)",
        compute="_compute_period_measures",
        groups=USER_GROUP,
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
        """What the last metrics pass measured, in this company (for a card being edited, what
        it measured for the saved card)."""
        by_partner = self._origin._customer_metrics()
        empty = self.env["crm.customer.metrics"]
        for partner in self:
            row = by_partner.get(partner._origin.id, empty)
            dropped = set(row.categories_prev or []) - set(row.categories or [])
            partner.dropped_category_ids = [(6, 0, sorted(dropped))]
            partner.period_sales = row.sales
            partner.period_sales_prev = row.sales_prev
            partner.period_invoice_count = row.invoice_count
            partner.period_invoice_count_prev = row.invoice_count_prev

    def write(self, vals):
        if {"parent_id", "is_company"} & set(vals):
            # a person leaving a company takes his emails and meetings from its contacts
            self.env["crm.customer.metrics"].sudo()._measure_again(
                self.sudo().commercial_partner_id.ids
            )
        res = super().write(vals)
        if vals.get("churn_reason_id"):
            self._record_churn_reason(vals["churn_reason_id"])
        return res

    def _record_churn_reason(self, reason_id):
        """Give each customer's latest loss without a reason, in this company, the reason
        just set on its card. The app's own act: a rep who may set the card's reason may
        not write the history himself."""
        lines = (
            self.env["crm.customer.stage.history"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", self.ids),
                    ("company_id", "=", self.env.company.id),
                    ("change", "=", "interrupted"),
                    ("churn_reason_id", "=", False),
                ],
                order="date desc, id desc",
            )
        )
        latest = {}
        for line in lines:
            latest.setdefault(line.partner_id.id, line)
        lines.browse([line.id for line in latest.values()]).churn_reason_id = reason_id

    # Actions ----------------------------------------------------------------------------

    def action_refresh_relationship(self):
        """Run the metrics pass now for these customers: the pass runs as the superuser, so
        only the app's users may start it, and only for customers they may edit."""
        if not self.env.user.has_group(USER_GROUP):
            raise AccessError(
                self.env._("Only the customer management app's users can refresh customers.")
            )
        self.check_access("write")
        customers = self.commercial_partner_id
        self.env["crm.customer.metrics"].sudo()._pass_partners_now(
            customers.sudo(), fields.Date.context_today(self)
        )
        return True

    def action_confirm_stage(self):
        self._check_stage_manager()
        reason = self.env._("Confirmed by %s.", self.env.user.name)
        self._move_stages(
            {
                partner: StageMove(partner.stage_proposed_id, "confirmed", reason)
                for partner in self.filtered("stage_proposed_id")
            },
            fields.Date.context_today(self),
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
        if not self.env["res.users"]._acts_as_customer_supervisor():
            raise AccessError(self.env._("Only customer managers can confirm or set stages."))

    # Metrics pass -----------------------------------------------------------------------

    def _customer_metrics(self):
        """Partner id -> what the last metrics pass measured for it, in this company."""
        metrics = self.env["crm.customer.metrics"].search(
            [("partner_id", "in", self.ids), ("company_id", "=", self.env.company.id)]
        )
        return {row.partner_id.id: row for row in metrics}

    def _relationship_changes(self, measured, shares, today):
        """Last order, share and the engine's stage decisions for these customers.

        Returns each customer's values to write (partner id -> {column: value}, first
        placements included, so that a new customer's row is written once), the first
        placements and the other decisions.
        """
        stages = self.env["crm.customer.stage"].search([("active", "=", True)])
        last_orders = {
            pid: max(
                filter(None, (facts["last_invoice_date"], facts["last_sale_order_date"])),
                default=None,
            )
            for pid, facts in measured.items()
        }
        values = {
            pid: {"last_order_date": last_orders[pid], "share_of_wallet": shares.get(pid)}
            for pid in self.ids
        }
        if not stages:
            return values, {}, {}
        interrupt_days = get_setting(self.env, INTERRUPT_DAYS)
        engine_stages = stages._engine_stages()
        state = self._stage_state()
        first, decisions = {}, {}
        for partner in self:
            pid = partner.id
            stage_id, stage_date, manual, band_id, proposed_id = state[pid]
            last = last_orders[pid]
            facts = stage_engine.Facts(
                share=shares.get(pid),
                days_inactive=(today - last).days if last else None,
                current_id=stage_id,
                manual=bool(manual),
                manual_band_id=band_id,
            )
            try:
                decision = stage_engine.decide(engine_stages, facts, interrupt_days)
            except Exception:
                _logger.exception("Relationship stage of customer %s not decided.", pid)
            else:
                if not stage_id:
                    first[partner] = decision
                    stage_id, stage_date = decision.stage_id, today
                elif (decision.stage_id, decision.proposed_id) != (stage_id, proposed_id):
                    decisions[partner] = decision
            values[pid].update(customer_stage_id=stage_id, stage_date=stage_date)
        return values, first, decisions

    def _stage_state(self):
        """Stage columns per partner id, read at once: (stage, since, manual, band, proposed)."""
        return self._stored_values(
            [
                "customer_stage_id",
                "stage_date",
                "stage_manual",
                "stage_manual_band_id",
                "stage_proposed_id",
            ]
        )

    def _write_changed(self, values):
        """Bulk UPDATE of the pass's stored columns, only on rows whose values differ; no ORM
        side effects. ``values`` maps partner ids to {column: value}, the same columns for
        every partner."""
        update_rows(self, values)
