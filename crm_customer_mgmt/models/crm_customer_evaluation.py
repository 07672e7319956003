from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .tools import created_values, is_data_load, owned_writer, refuse_owned_fields

SCORE_FIELDS = frozenset({"score", "scored", "criterion_id", "partner_id"})
# who entered a score and who approved it: kept by the model itself
APPROVAL_FIELDS = frozenset(
    {
        "entered_by_id",
        "entered_date",
        "approved",
        "approved_score",
        "approved_by_id",
        "approved_date",
    }
)


class CrmCustomerEvaluation(models.Model):
    _name = "crm.customer.evaluation"
    _inherit = ["crm.customer.card.mixin"]
    _description = "Customer Evaluation Line"
    _order = "partner_id, sequence, id"

    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", True)],
    )
    criterion_id = fields.Many2one(
        "crm.customer.evaluation.criterion", required=True, ondelete="restrict"
    )
    sequence = fields.Integer(related="criterion_id.sequence", store=True)
    weight = fields.Float(related="criterion_id.weight")
    score = fields.Integer(help="0 (poor) to 100 (excellent).")
    scored = fields.Boolean(
        compute="_compute_scored",
        store=True,
        readonly=False,
        help="Unscored lines are left out of the evaluation score instead of counting as zero."
        " Any score above zero marks the line scored; tick it to count a zero.",
    )
    note = fields.Char()
    entered_by_id = fields.Many2one("res.users", string="Entered By", readonly=True)
    entered_date = fields.Datetime(string="Entered On", readonly=True)
    approved = fields.Boolean(
        readonly=True,
        help="Only scores a customer supervisor entered or approved count toward the credit"
        " grade.",
    )
    approved_score = fields.Integer(
        readonly=True, help="The score a supervisor last approved: the one that counts."
    )
    approved_by_id = fields.Many2one("res.users", string="Approved By", readonly=True)
    approved_date = fields.Datetime(string="Approved On", readonly=True)

    _partner_criterion_unique = models.Constraint(
        "UNIQUE(partner_id, criterion_id)",
        "A card has one evaluation line per criterion.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            refuse_owned_fields(self, created_values(self, vals), APPROVAL_FIELDS)
        stamp = self._entry_stamp()
        lines = super().create([{**vals, **stamp} for vals in vals_list])
        lines._approve_own_entry()
        return lines

    def write(self, vals):
        refuse_owned_fields(self, vals, APPROVAL_FIELDS)
        if not SCORE_FIELDS & set(vals):
            return super().write(vals)
        stamp = self._entry_stamp()
        if {"criterion_id", "partner_id"} & set(vals):  # an approval holds for its line only
            stamp.update(approved_score=0, approved_by_id=False, approved_date=False)
        result = super(CrmCustomerEvaluation, owned_writer(self)).write({**vals, **stamp})
        self._approve_own_entry()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_approved(self):
        """A rep who deletes an approved score would erase what a supervisor let count."""
        if self.filtered("approved_date") and not self._supervisor_entry():
            raise AccessError(
                self.env._(
                    "Only customer supervisors can delete evaluation scores that a supervisor"
                    " approved: they count toward the credit grade."
                )
            )

    def _entry_stamp(self):
        """Who entered a score. A rep's entry waits for a supervisor's approval; until then
        the last approved score of the line keeps counting."""
        return {
            "entered_by_id": self.env.uid,
            "entered_date": fields.Datetime.now(),
            "approved": False,
        }

    def _supervisor_entry(self):
        return self.env["res.users"]._acts_as_customer_supervisor() or is_data_load(self.env)

    def _approve_own_entry(self):
        """A supervisor's own entry counts at once."""
        if self._supervisor_entry():
            self._approve()

    def _approve(self):
        """A supervisor approves these lines' entries for the credit grade: a score counts
        from now on, an unscored line stops counting."""
        pending = self.filtered(lambda line: not line.approved)
        now = fields.Datetime.now()
        for line in pending:
            kept = {"approved_score": line.score, "approved_by_id": self.env.uid}
            if not line.scored:
                kept = {"approved_score": 0, "approved_by_id": False}
            owned_writer(line).write(
                {"approved": True, "approved_date": line.scored and now, **kept}
            )
        return pending

    @api.depends("score")
    def _compute_scored(self):
        for line in self:
            line.scored = line.scored or bool(line.score)

    @api.constrains("score")
    def _check_score(self):
        for line in self:
            if not 0 <= line.score <= 100:
                raise ValidationError(
                    self.env._(
                        "The score for %(criterion)s must be between 0 and 100, not %(score)s.",
                        criterion=line.criterion_id.name,
                        score=line.score,
                    )
                )
