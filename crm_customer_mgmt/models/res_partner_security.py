# res.partner is split by concern, as its card part lives in res_partner.py
# pylint: disable=consider-merging-classes-inherited
from odoo import api, fields, models
from odoo.exceptions import AccessError

from .res_partner import MANAGER_GROUP, USER_GROUP
from .tools import created_values, owned_writer, refuse_owned_fields

# What the metrics pass, the card's Refresh and the supervisors' actions write: refused to
# everyone else, over RPC included (``readonly`` guards the form only).
PASS_OWNED_FIELDS = frozenset(
    {
        "abc_class",
        "value_tier",
        "card_review_date",
        "card_reviewer_id",
        "card_completeness",
        "evaluation_score",
        "customer_stage_id",
        "stage_proposed_id",
        "stage_date",
        "stage_manual",
        "stage_manual_band_id",
        "share_of_wallet",
        "last_order_date",
        "credit_grade_id",
        "credit_score",
        "credit_score_explanation",
        "credit_no_history",
        "credit_recommended_limit",
        "credit_sales_quadrant",
        "credit_trust_set_by_id",
        "credit_trust_set_date",
        "last_contact_date",
        "last_contact_kind",
        "contact_cadence_days",
        "next_contact_date",
        "contact_priority",
        "contact_on_time",
        "customer_margin",
        "customer_profit",
        "is_cost_customer",
        "customer_lifetime_value",
        "customer_lifetime_value_explanation",
        "rfm_recency",
        "rfm_frequency",
        "rfm_monetary",
        "rfm_segment",
        "value_loyalty_quadrant",
        "suggested_customer_type",
    }
)
# Odoo's own fields that feed the credit grade: a rep cannot move his customer's grade
# through them; supervisors and accounting administrators can.
CREDIT_INPUT_FIELDS = frozenset({"trust", "credit_limit", "use_partner_credit_limit"})
CREDIT_INPUT_GROUPS = (MANAGER_GROUP, "account.group_account_manager")


class ResPartner(models.Model):
    """What only the app's own code may write on partners, and who may change the credit
    inputs."""

    _inherit = "res.partner"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_owned_fields(set(created_values(self, vals)))
        return super().create(vals_list)

    def write(self, vals):
        self._check_owned_fields(set(vals))
        result = super().write(vals)
        if "trust" in vals:  # who set it shows in the credit explanation; the mark covers
            # this stamp only, not the lines or contacts the same write may create, and the
            # stamp is the app's to keep, also when someone outside the app sets the trust
            super(ResPartner, owned_writer(self.sudo())).write(
                {
                    "credit_trust_set_by_id": self.env.uid,
                    "credit_trust_set_date": fields.Datetime.now(),
                }
            )
        return result

    def _check_owned_fields(self, names):
        """Refuse ``names`` (the fields a create or write sets) that the pass owns, and the
        credit inputs to the app's reps."""
        refuse_owned_fields(self, names, PASS_OWNED_FIELDS)
        if (
            CREDIT_INPUT_FIELDS & names
            and not self.env.su
            and self.env.user.has_group(USER_GROUP)
            and not any(self.env.user.has_group(group) for group in CREDIT_INPUT_GROUPS)
        ):
            raise AccessError(
                self.env._(
                    "Debtor trust and credit limits feed the customers' credit grades: only"
                    " customer supervisors and accounting administrators can change them."
                )
            )
