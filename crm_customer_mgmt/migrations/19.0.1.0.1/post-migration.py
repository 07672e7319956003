"""Brings two noupdate records to existing databases, only where they are still as shipped
(noupdate keeps a site's own changes over upgrades):

- the reps' rule on res.partner hid colleagues' and the company's partners (chatter,
  followers, mentions failed);
- the strategic band started at 100 %, so no customer was ever proposed for it.
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.crm_customer_mgmt.models.res_partner import REP_PARTNER_RULE_DOMAIN

_logger = logging.getLogger(__name__)

RULE = "crm_customer_mgmt.res_partner_rule_customer_mgmt_user"
SHIPPED_1_0_0 = (
    "['|', '|', ('commercial_partner_id.user_id', '=', user.id),"
    " ('commercial_partner_id.card_owner_id', '=', user.id), '&',"
    " ('commercial_partner_id.user_id', '=', False),"
    " ('commercial_partner_id.card_owner_id', '=', False)]"
)
# (xml id, shipped 1.0.0 band, band now)
BANDS = (
    ("crm_customer_mgmt.stage_stable", (50, 100), (50, 80)),
    ("crm_customer_mgmt.stage_strategic", (100, 100), (80, 100)),
)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rewrite_rep_partner_rule(env)
    rewrite_stage_bands(env)


def rewrite_rep_partner_rule(env):
    """Returns whether the rule was rewritten."""
    rule = env.ref(RULE, raise_if_not_found=False)
    if not rule:
        return False
    if " ".join(rule.domain_force.split()) != SHIPPED_1_0_0:
        _logger.warning(
            "The rule %s was changed on this database and is kept; its shipped domain is now: %s",
            RULE,
            REP_PARTNER_RULE_DOMAIN,
        )
        return False
    rule.domain_force = REP_PARTNER_RULE_DOMAIN
    return True


def rewrite_stage_bands(env):
    """Returns whether the bands were rewritten: together, as one band's change alone would
    leave a gap or an overlap."""
    stages = [env.ref(xmlid, raise_if_not_found=False) for xmlid, _old, _new in BANDS]
    if not all(stages) or any(
        (stage.share_min, stage.share_max) != old
        for stage, (_xmlid, old, _new) in zip(stages, BANDS, strict=True)
    ):
        _logger.info("The relationship stage bands were changed on this database; kept.")
        return False
    for stage, (_xmlid, _old, (low, high)) in zip(stages, BANDS, strict=True):
        env.cr.execute(
            SQL(
                "UPDATE crm_customer_stage SET share_min = %s, share_max = %s WHERE id = %s",
                low,
                high,
                stage.id,
            )
        )
    env["crm.customer.stage"].invalidate_model(["share_min", "share_max"])
    return True
