# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
import logging
from typing import NamedTuple

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..engine import stages as stage_engine
from .res_partner import USER_GROUP
from .settings import INTERRUPT_DAYS, get_setting
from .tools import (
    create_quiet_activities,
    insert_rows,
    json_values,
    set_values_sql,
    stored_values_sql,
)

_logger = logging.getLogger(__name__)


class StageMove(NamedTuple):
    """A stage change to carry out: where to, the kind of change and why."""

    stage: models.BaseModel
    change: str
    reason: str
    band: models.BaseModel | None = None  # the band the share supported (manual changes)
    churn_reason: models.BaseModel | None = None


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

        Returns the columns to write (first placements included, so that a new customer's
        row is written once), the first placements and the other decisions.
        """
        stages = self.env["crm.customer.stage"].search([("active", "=", True)])
        last_orders = {
            pid: max(
                filter(None, (facts["last_invoice_date"], facts["last_sale_order_date"])),
                default=None,
            )
            for pid, facts in measured.items()
        }
        columns = {
            "last_order_date": [last_orders[pid] for pid in self.ids],
            "share_of_wallet": [shares.get(pid) for pid in self.ids],
        }
        if not stages:
            return columns, {}, {}
        interrupt_days = get_setting(self.env, INTERRUPT_DAYS)
        engine_stages = stages._engine_stages()
        state = self._stage_state()
        first, decisions = {}, {}
        columns["customer_stage_id"], columns["stage_date"] = [], []
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
            columns["customer_stage_id"].append(stage_id)
            columns["stage_date"].append(stage_date)
        return columns, first, decisions

    def _stage_state(self):
        """Stage columns per partner id, read at once: (stage, since, manual, band, proposed)."""
        names = [
            "customer_stage_id",
            "stage_date",
            "stage_manual",
            "stage_manual_band_id",
            "stage_proposed_id",
        ]
        self.flush_model(names)
        rows = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM res_partner WHERE id = ANY(%s)",
                stored_values_sql(self, "res_partner", names),
                self.ids,
            )
        )
        return {row[0]: row[1:] for row in rows}

    def _apply_decisions(self, first, decisions, today):
        """Log first placements (already written) and carry out the other decisions in bulk;
        a batch of changes that fails goes one customer at a time."""
        Stage = self.env["crm.customer.stage"]
        placed = self.env._("First placement by the metrics pass.")
        self._log_stage_history(
            {
                partner: StageMove(Stage.browse(decision.stage_id), decision.reason, placed)
                for partner, decision in first.items()
            },
            today,
            first=True,
        )
        moves, proposals = {}, {}
        for partner, decision in decisions.items():  # only those that change something
            stage = Stage.browse(decision.stage_id)
            if stage != partner.customer_stage_id:
                moves[partner] = StageMove(
                    stage,
                    decision.reason,
                    partner._decision_reason(decision, Stage),
                    band=Stage.browse(decision.band_id),
                )
            if (decision.proposed_id or False) != partner.stage_proposed_id.id:
                proposals[partner] = Stage.browse(decision.proposed_id)
        try:
            with self.env.cr.savepoint():
                self._move_stages(moves, today)
                self._propose_stages(proposals)
            return
        except Exception:
            _logger.exception("Stage changes of a batch failed, retrying per customer.")
        for partner in moves.keys() | proposals.keys():
            try:
                with self.env.cr.savepoint():
                    if partner in moves:
                        self._move_stages({partner: moves[partner]}, today)
                    if partner in proposals:
                        self._propose_stages({partner: proposals[partner]})
            except Exception:
                _logger.exception("Stage change of customer %s skipped.", partner.id)

    def _decision_reason(self, decision, Stage):
        share = f"{self.share_of_wallet:.1f}"
        band = Stage.browse(decision.band_id).name
        if decision.reason == stage_engine.ADVANCED:
            return self.env._(
                "Share of wallet %(share)s%% supports %(band)s; the relationship climbs one"
                " stage per pass.",
                share=share,
                band=band,
            )
        if decision.reason == stage_engine.FELL:
            return self.env._(
                "Share of wallet fell to %(share)s%%, the band of %(band)s.",
                share=share,
                band=band,
            )
        if decision.reason == stage_engine.INTERRUPTED:
            return self.env._(
                "No invoice or confirmed order for %(days)s days (last: %(date)s).",
                days=self.days_since_last_order,
                date=self.last_order_date,
            )
        if decision.reason == stage_engine.RETURNED:
            return self.env._("Trading again after an interruption: the relationship starts over.")
        return decision.reason

    def _log_stage_history(self, moves, today, first=False):
        """A history line per move (``moves`` maps partners to a ``StageMove``), read from
        the partners before their stage changes; ``first`` placements, already written, have
        no stage before them."""
        insert_rows(
            self.env["crm.customer.stage.history"],
            [
                {
                    "partner_id": partner.id,
                    "company_id": self.env.company.id,
                    "user_id": partner.card_owner_id.id or None,
                    "stage_from_id": None if first else partner.customer_stage_id.id or None,
                    "stage_to_id": move.stage.id,
                    "date": today,
                    "share_of_wallet": partner.share_of_wallet,
                    "change": move.change,
                    "reason": move.reason,
                    "duration_days": (today - partner.stage_date).days
                    if partner.stage_date and not first
                    else 0,
                    "churn_reason_id": move.churn_reason.id if move.churn_reason else None,
                }
                for partner, move in moves.items()
            ],
        )

    def _move_stages(self, moves, today):
        """Move customers to new stages in bulk: history, stage fields, activities. The
        history (read by the app's users only) says why; the customer's chatter, which every
        employee reads, does not.

        ``moves`` maps partners to a ``StageMove``.
        """
        if not moves:
            return
        partners = self.browse([partner.id for partner in moves])
        self._log_stage_history(moves, today)
        manual = [move.change == "manual" for move in moves.values()]
        self._write_changed(
            partners.ids,
            {
                "customer_stage_id": [move.stage.id for move in moves.values()],
                "stage_date": [today] * len(moves),
                "stage_proposed_id": [None] * len(moves),
                "stage_manual": manual,
                "stage_manual_band_id": [
                    move.band.id if is_manual and move.band else None
                    for move, is_manual in zip(moves.values(), manual, strict=True)
                ],
                "churn_reason_id": [
                    move.churn_reason.id if move.churn_reason else None for move in moves.values()
                ],
            },
        )
        partners._schedule_stage_activities()

    def _propose_stages(self, proposals):
        """Record the stages waiting for a manager's confirmation (an empty stage clears)."""
        if not proposals:
            return
        self._write_changed(
            [partner.id for partner in proposals],
            {"stage_proposed_id": [stage.id or None for stage in proposals.values()]},
        )

    def _schedule_stage_activities(self):
        """The playbook activities of each customer's (new) stage, created at once."""
        todo = self.env.ref("mail.mail_activity_data_todo")
        values = []
        fallback = self._unowned_responsible()
        for partner in self:
            stage = partner.customer_stage_id
            owner = partner.card_owner_id or partner.user_id or fallback
            for template in stage.activity_plan_id.template_ids:
                responsible = template._determine_responsible(owner, partner)["responsible"]
                values.append(
                    {
                        "res_id": partner.id,
                        "activity_type_id": template.activity_type_id.id,
                        "summary": template.summary,
                        "note": template.note,
                        "user_id": (responsible or owner).id,
                        "date_deadline": template._get_date_deadline(),
                    }
                )
            if stage.is_interrupted and not partner.churn_reason_id:
                values.append(
                    {
                        "res_id": partner.id,
                        "activity_type_id": todo.id,
                        "summary": self.env._("Record why this customer stopped buying"),
                        "note": self.env._("Set the churn reason on the customer card."),
                        "user_id": owner.id,
                        "date_deadline": fields.Date.context_today(self),
                    }
                )
        create_quiet_activities(self, values)

    def _write_changed(self, ids, columns):
        """Bulk UPDATE of stored columns, only on rows whose values differ; no ORM side effects.

        ``columns`` maps column names to a list of values, one per id.
        """
        if not ids:
            return
        names = list(columns)
        self.flush_model(names)
        rows = [
            {"id": pid, **dict(zip(names, values, strict=True))}
            for pid, *values in zip(ids, *columns.values(), strict=True)
        ]
        sets, old, new = set_values_sql(self, "p", names)
        self.env.execute_query(
            SQL(
                """
            UPDATE res_partner p SET %(sets)s, write_date = now()
              FROM %(values)s
             -- the bounds keep the join on the batch's part of the primary key
             WHERE p.id = v.id AND p.id BETWEEN %(first)s AND %(last)s
               AND (%(old)s) IS DISTINCT FROM (%(new)s)
            """,
                sets=sets,
                values=json_values(self, [*names, "id"], rows),
                first=min(ids),
                last=max(ids),
                old=old,
                new=new,
            )
        )
        self.invalidate_model(names + ["write_date"])
