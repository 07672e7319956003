# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
from odoo import fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..engine import card as card_engine
from ..engine import credit as credit_engine
from .res_partner import USER_GROUP
from .tools import compute_at_once, insert_rows

REPUTATION_CRITERION = "crm_customer_mgmt.criterion_reputation"
GOOD_CREDIT_SCORE = 70.0  # quadrant: credit is good from this score (grade A by default)
STRONG_SALES_EVALUATION = 70.0  # quadrant: sales ability is strong from class A/B or this score


class ResPartner(models.Model):
    """Credit score, grade and policy, kept current by the metrics pass."""

    _inherit = "res.partner"

    credit_grade_id = fields.Many2one(
        "crm.credit.grade",
        company_dependent=True,
        copy=False,
        readonly=True,
        ondelete="restrict",
        groups=USER_GROUP,
    )
    credit_score = fields.Float(
        digits=(5, 1),
        company_dependent=True,
        copy=False,
        readonly=True,
        aggregator="avg",
        groups=USER_GROUP,
    )
    credit_score_explanation = fields.Text(
        company_dependent=True, copy=False, readonly=True, groups=USER_GROUP
    )
    credit_no_history = fields.Boolean(
        string="No Credit History",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=USER_GROUP,
        help="No invoice yet: the score is neutral, neither good nor bad.",
    )
    credit_recommended_limit = fields.Float(
        string="Recommended Credit Limit",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=USER_GROUP,
        help="The grade's months of sales times the average monthly sales of the last 12 months.",
    )
    credit_sales_quadrant = fields.Selection(
        [
            ("star", "Good credit, strong sales"),
            ("reliable", "Good credit, weak sales"),
            ("risky_growth", "Strong sales, poor credit"),
            ("weak", "Weak credit and sales"),
        ],
        string="Credit x Sales",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=USER_GROUP,
    )
    credit_grade_history_ids = fields.One2many(
        "crm.credit.grade.history", "partner_id", string="Credit Grade History", groups=USER_GROUP
    )
    credit_blocks_orders = fields.Boolean(
        related="credit_grade_id.block_order_confirmation", groups=USER_GROUP
    )
    credit_trust_set_by_id = fields.Many2one(
        "res.users",
        string="Debtor Trust Set By",
        copy=False,
        readonly=True,
        groups=USER_GROUP,
    )
    credit_trust_set_date = fields.Datetime(
        string="Debtor Trust Set On", copy=False, readonly=True, groups=USER_GROUP
    )

    # Actions ----------------------------------------------------------------------------

    def action_apply_recommended_credit_limit(self):
        """Copy the recommended limit into Odoo's own partner credit limit (managers only)."""
        if not self.env["res.users"]._acts_as_customer_supervisor():
            raise AccessError(self.env._("Only customer managers can apply credit limits."))
        for partner in self.commercial_partner_id.filtered("credit_recommended_limit"):
            old = partner.sudo().credit_limit
            partner.sudo().write(
                {
                    "credit_limit": partner.credit_recommended_limit,
                    "use_partner_credit_limit": True,
                }
            )
            partner.message_post(
                body=self.env._(
                    "Credit limit set from %(old)s to %(new)s, as recommended by the credit"
                    " grade.",
                    old=old,
                    new=partner.credit_recommended_limit,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # Metrics pass -----------------------------------------------------------------------

    def _credit_changes(self, measured, today, abc_classes):
        """Score, grade, explanation, recommended limit and quadrant from the measures.

        Returns each customer's values to write (partner id -> {column: value}) and the
        grade changes to log; ``abc_classes`` maps partner ids to their ABC class for the
        quadrant.
        """
        grades = self.env["crm.credit.grade"].search([("active", "=", True)])
        bands = [(grade.id, grade.min_score) for grade in grades]
        factors = self.env["crm.credit.factor"]._engine_factors()
        measures = self.env["crm.credit.factor"]._credit_factor_measures()
        words = {  # translated once for the batch, filled in per customer
            "labels": dict(
                self.env["crm.credit.factor"]._fields["key"]._description_selection(self.env)
            ),
            "part": self.env._("%(factor)s: %(value)s → %(points)s / %(max)s points"),
            "score": self.env._("Score: %s"),
            "left_out": self.env._(
                "Left out for lack of data: %s. The other factors share their weight, so"
                " their maximums add up to 100 and differ from customer to customer."
            ),
            "neutral": self.env._(
                "No invoice history yet: neutral score %s, neither good nor bad."
            ),
            **self._credit_input_words(),
        }
        inputs = self._credit_inputs()
        signals = self._odoo_signals(
            [
                "trust",
                "credit_limit",
                "credit_to_invoice",
                "credit_grade_id",
                "credit_trust_set_by_id",
                "credit_trust_set_date",
            ]
        )
        # Odoo's DSO is the open receivable over sales times days: zero without a receivable,
        # so Odoo computes it (a costly compute) only for the customers who owe something
        owing = self.browse([pid for pid in self.ids if measured[pid]["open_receivable"]])
        dso = owing._odoo_signals(["days_sales_outstanding"])
        for pid, signal in signals.items():
            signal["days_sales_outstanding"] = (
                dso[pid]["days_sales_outstanding"] if pid in dso else 0.0
            )
        values, changes = {}, []
        months = {grade.id: grade.credit_limit_factor for grade in grades}
        no_inputs = card_engine.credit_inputs(())
        for partner in self:
            facts, signal = measured[partner.id], signals[partner.id]
            card = inputs.get(partner.id, no_inputs)
            result = credit_engine.score(
                factors,
                partner._credit_values(facts, signal, card, today, measures),
                has_history=bool(facts["first_invoice_date"]),
            )
            grade_id = credit_engine.grade_for(bands, result.score) if bands else None
            old_id = signal["credit_grade_id"] or None
            explanation = partner._explain_credit(result, words, card, signal)
            if grade_id != old_id:
                changes.append((partner, old_id, grade_id, result, explanation))
            values[partner.id] = {
                "credit_score": result.score,
                "credit_grade_id": grade_id,
                "credit_score_explanation": explanation,
                "credit_no_history": result.no_history,
                "credit_recommended_limit": credit_engine.recommended_limit(
                    months.get(grade_id, 0.0), facts["sales_12m"] / 12
                ),
                "credit_sales_quadrant": credit_engine.quadrant(
                    result.score >= GOOD_CREDIT_SCORE,
                    abc_classes.get(partner.id) in ("A", "B")
                    or (card.evaluation or 0.0) >= STRONG_SALES_EVALUATION,
                ),
            }
        return values, changes

    def _odoo_signals(self, names):
        """Partner fields for the whole batch, Odoo's own as Odoo (and any addon overriding
        them) computes them.

        Non-stored ones are computed for the whole batch at once: read one by one, they would
        be computed a thousand records at a time, each time scanning the invoices. Odoo's
        receivable compute reads each partner's company alone: fetched for the batch first.
        """
        self.fetch(["company_id"])
        compute_at_once(self, names)
        return {row["id"]: row for row in self.read(names, load=None)}

    def _credit_values(self, facts, signals, card, today, measures):
        """Factor key -> this customer's value of every factor of ``measures``."""
        return credit_engine.measure_all(
            measures, credit_engine.Inputs(facts, signals, card, today)
        )

    def _credit_inputs(self):
        """Partner id -> ``card_engine.CreditInputs`` of the batch's scored evaluation lines
        (active criteria), read at once: only approved scores count."""
        criterion = self.env.ref(REPUTATION_CRITERION, raise_if_not_found=False)
        self.env["crm.customer.evaluation"].flush_model()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT e.partner_id, e.criterion_id, c.weight, e.score, e.scored AND NOT e.approved,
                   e.entered_by_id, COALESCE(e.entered_date, e.write_date),
                   e.approved_score, e.approved_by_id, e.approved_date
              FROM crm_customer_evaluation e
              JOIN crm_customer_evaluation_criterion c ON c.id = e.criterion_id
             WHERE e.partner_id = ANY(%s) AND c.active
               AND (e.scored OR e.approved_date IS NOT NULL)
                """,
                self.ids,
            )
        )
        names = dict(
            self.env["res.users"]
            .sudo()
            .browse({row[5] for row in rows} | {row[8] for row in rows})
            .exists()
            .mapped(lambda user: (user.id, user.name))
        )
        lines = {}
        for pid, crit, weight, score, pending, by, on, kept, approver, approved_on in rows:
            card = lines.setdefault(pid, [])
            entered_by = names.get(by, "")
            if approved_on:  # the last approved score counts, whatever was entered since
                card.append(
                    card_engine.EvaluationLine(
                        crit,
                        weight,
                        kept,
                        True,
                        entered_by,
                        on,
                        names.get(approver, ""),
                        approved_on,
                    )
                )
            if pending:
                card.append(
                    card_engine.EvaluationLine(
                        crit, weight, score, False, entered_by, on, "", None
                    )
                )
        return {
            pid: card_engine.credit_inputs(card, criterion.id if criterion else None)
            for pid, card in lines.items()
        }

    def _credit_input_words(self):
        return {
            "approved": self.env._("Evaluation scores approved by %(who)s on %(when)s."),
            "pending": self.env._(
                "%(count)s evaluation scores, last entered by %(who)s on %(when)s, await a"
                " customer supervisor's approval and do not count yet."
            ),
            "trust": self.env._("Debtor trust set by %(who)s on %(when)s."),
        }

    def _log_grade_changes(self, changes, today):
        """Grade history for every change: read by the app's users only, unlike the
        customer's chatter.

        ``changes`` holds (partner, old grade id, new grade id, score result, explanation).
        """
        insert_rows(
            self.env["crm.credit.grade.history"],
            [
                {
                    "partner_id": partner.id,
                    "company_id": self.env.company.id,
                    "grade_from_id": old_id or None,
                    "grade_to_id": new_id,
                    "score": result.score,
                    "explanation": explanation,
                    "date": today,
                }
                for partner, old_id, new_id, result, explanation in changes
            ],
        )

    def _explain_credit(self, result, words, card, signal):
        if result.no_history:
            lines = [words["neutral"] % result.score]
        else:
            lines = [
                words["part"]
                % {
                    "factor": words["labels"][part.key],
                    "value": round(part.value, 1),
                    "points": part.points,
                    "max": part.max_points,
                }
                for part in result.parts
            ]
            if result.left_out:
                labels = ", ".join(words["labels"][key] for key in result.left_out)
                lines.append(words["left_out"] % labels)
            lines.append(words["score"] % result.score)
        return "\n".join(lines + self._explain_inputs(words, card, signal))

    def _explain_inputs(self, words, card, signal):
        """Who entered the inputs people type, and when."""
        lines = []
        if card.approved:
            who, when = card.approved
            lines.append(words["approved"] % {"who": who, "when": f"{when:%Y-%m-%d}"})
        if card.pending:
            count, who, when = card.pending
            lines.append(
                words["pending"] % {"count": count, "who": who, "when": f"{when:%Y-%m-%d}"}
            )
        if signal["credit_trust_set_by_id"]:
            who = self.env["res.users"].sudo().browse(signal["credit_trust_set_by_id"]).name
            when = signal["credit_trust_set_date"]
            lines.append(words["trust"] % {"who": who, "when": f"{when:%Y-%m-%d}"})
        return lines
