# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
import logging
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import stages as stage_engine
from .tools import create_quiet_activities, insert_rows, stored_values_sql

_logger = logging.getLogger(__name__)


class StageMove(NamedTuple):
    """A stage change to carry out: where to, the kind of change and why."""

    stage: models.BaseModel
    change: str
    reason: str
    band: models.BaseModel | None = None  # the band the share supported (manual changes)
    churn_reason: models.BaseModel | None = None


class ResPartner(models.Model):
    """Stage changes in bulk: the engine's decisions, the history, the playbook activities."""

    _inherit = "res.partner"

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
        state = self.browse([partner.id for partner in decisions])._stored_values(
            ["customer_stage_id", "stage_proposed_id", "share_of_wallet", "last_order_date"]
        )
        for partner, decision in decisions.items():  # only those that change something
            stage_id, proposed_id, share, last = state[partner.id]
            if decision.stage_id != stage_id:
                moves[partner] = StageMove(
                    Stage.browse(decision.stage_id),
                    decision.reason,
                    partner._decision_reason(decision, Stage, share or 0.0, last, today),
                    band=Stage.browse(decision.band_id),
                )
            if (decision.proposed_id or None) != proposed_id:
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

    def _decision_reason(self, decision, Stage, share, last_order, today):
        """Why the stage moves, from the share and the last order the pass just wrote."""
        share = f"{share:.1f}"
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
                days=(today - last_order).days if last_order else 0,
                date=last_order,
            )
        if decision.reason == stage_engine.RETURNED:
            return self.env._("Trading again after an interruption: the relationship starts over.")
        return decision.reason

    def _log_stage_history(self, moves, today, first=False):
        """A history line per move (``moves`` maps partners to a ``StageMove``), read from
        the partners before their stage changes, with what the customer was worth then (tier,
        12-month sales and margin of the last measure) for the churn analysis; ``first``
        placements, already written, have no stage before them."""
        if not moves:
            return
        ids = [partner.id for partner in moves]
        state = self.browse(ids)._stored_values(
            ["card_owner_id", "customer_stage_id", "share_of_wallet", "stage_date", "value_tier"]
        )
        worth = {
            pid: (sales, margin)
            for pid, sales, margin in self.env["crm.customer.metrics"]._measure_rows(
                ids, ["sales_12m", "margin_12m"]
            )
        }
        rows = []
        for partner, move in moves.items():
            owner_id, stage_id, share, since, tier = state[partner.id]
            rows.append(
                {
                    "partner_id": partner.id,
                    "company_id": self.env.company.id,
                    "user_id": owner_id,
                    "stage_from_id": None if first else stage_id,
                    "stage_to_id": move.stage.id,
                    "date": today,
                    "share_of_wallet": share or 0.0,
                    "change": move.change,
                    "reason": move.reason,
                    "duration_days": (today - since).days if since and not first else 0,
                    "churn_reason_id": move.churn_reason.id if move.churn_reason else None,
                    "value_tier": tier,
                    "revenue_12m": worth.get(partner.id, (0.0, 0.0))[0] or 0.0,
                    "margin_12m": worth.get(partner.id, (0.0, 0.0))[1] or 0.0,
                }
            )
        insert_rows(self.env["crm.customer.stage.history"], rows)

    def _stored_values(self, names):
        """Partner id -> the stored values of ``names``, in this company, in one query:
        through the ORM, the company-dependent fields come a thousand partners at a time,
        all of them together."""
        self.flush_model(names)
        rows = self.env.execute_query(
            SQL(
                "SELECT id, %s FROM res_partner WHERE id = ANY(%s)",
                stored_values_sql(self, "res_partner", names),
                self.ids,
            )
        )
        return {row[0]: row[1:] for row in rows}

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
        self._write_changed(
            {partner.id: self._stage_move_values(move, today) for partner, move in moves.items()}
        )
        partners._schedule_stage_activities()

    @api.model
    def _stage_move_values(self, move, today):
        """The stage columns a ``StageMove`` writes on its customer."""
        manual = move.change == "manual"
        return {
            "customer_stage_id": move.stage.id,
            "stage_date": today,
            "stage_proposed_id": None,
            "stage_manual": manual,
            "stage_manual_band_id": move.band.id if manual and move.band else None,
            "churn_reason_id": move.churn_reason.id if move.churn_reason else None,
        }

    def _propose_stages(self, proposals):
        """Record the stages waiting for a manager's confirmation (an empty stage clears)."""
        if not proposals:
            return
        self._write_changed(
            {
                partner.id: {"stage_proposed_id": stage.id or None}
                for partner, stage in proposals.items()
            }
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
