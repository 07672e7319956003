"""The reps' rule on res.partner hid colleagues' and the company's partners (chatter,
followers, mentions failed). The rule is noupdate, so that a site's own change of it survives
upgrades: rewrite it here, only where it is still the shipped one."""

import logging

from odoo import SUPERUSER_ID, api

from odoo.addons.crm_customer_mgmt.models.res_partner import REP_PARTNER_RULE_DOMAIN

_logger = logging.getLogger(__name__)

RULE = "crm_customer_mgmt.res_partner_rule_customer_mgmt_user"
SHIPPED_1_0_0 = (
    "['|', '|', ('commercial_partner_id.user_id', '=', user.id),"
    " ('commercial_partner_id.card_owner_id', '=', user.id), '&',"
    " ('commercial_partner_id.user_id', '=', False),"
    " ('commercial_partner_id.card_owner_id', '=', False)]"
)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rewrite_rep_partner_rule(env)


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
