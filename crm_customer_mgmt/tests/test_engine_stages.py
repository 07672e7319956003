from odoo.tests import BaseCase, tagged

from ..engine.stages import (
    ADVANCED,
    ENTERED,
    FELL,
    INTERRUPTED,
    KEPT,
    PROPOSED,
    RETURNED,
    Facts,
    Stage,
    band_for,
    band_problems,
    decide,
)

DEVELOPMENT = Stage(1, 0, 30)
INITIAL = Stage(2, 30, 50)
STABLE = Stage(3, 50, 100)
STRATEGIC = Stage(4, 100, 100, requires_confirmation=True)
INTERRUPTED_STAGE = Stage(5, is_interrupted=True)
STAGES = [DEVELOPMENT, INITIAL, STABLE, STRATEGIC, INTERRUPTED_STAGE]


def run(share, current=None, days_inactive=10, manual=False, manual_band=None):
    facts = Facts(share, days_inactive, current and current.id, manual, manual_band)
    return decide(STAGES, facts, 180)


@tagged("post_install", "-at_install")
class TestEngineStages(BaseCase):
    def test_bands(self):
        for share, stage in [
            (0, DEVELOPMENT),
            (29.99, DEVELOPMENT),
            (30, INITIAL),
            (50, STABLE),
            (100, STRATEGIC),
            (130, STRATEGIC),
        ]:
            with self.subTest(share=share):
                self.assertEqual(band_for(STAGES, share), stage)

    def test_new_customer_enters_at_the_first_stage(self):
        decision = run(80)
        self.assertEqual((decision.stage_id, decision.reason), (DEVELOPMENT.id, ENTERED))

    def test_climbs_one_stage_per_pass(self):
        first = run(80, DEVELOPMENT)
        self.assertEqual((first.stage_id, first.reason), (INITIAL.id, ADVANCED))
        second = run(80, INITIAL)
        self.assertEqual((second.stage_id, second.reason), (STABLE.id, ADVANCED))
        third = run(80, STABLE)
        self.assertEqual((third.stage_id, third.reason), (STABLE.id, KEPT))

    def test_stage_needing_confirmation_is_proposed(self):
        decision = run(100, STABLE)
        self.assertEqual(
            (decision.stage_id, decision.proposed_id, decision.reason),
            (STABLE.id, STRATEGIC.id, PROPOSED),
        )

    def test_falls_straight_to_the_supported_band(self):
        decision = run(10, STABLE)
        self.assertEqual((decision.stage_id, decision.reason), (DEVELOPMENT.id, FELL))

    def test_interrupted_from_any_stage_and_back_to_development(self):
        for stage in (DEVELOPMENT, INITIAL, STABLE, STRATEGIC):
            with self.subTest(stage=stage.id):
                decision = run(90, stage, days_inactive=180)
                self.assertEqual(
                    (decision.stage_id, decision.reason), (INTERRUPTED_STAGE.id, INTERRUPTED)
                )
        self.assertEqual(run(90, INTERRUPTED_STAGE, days_inactive=400).reason, KEPT)
        back = run(90, INTERRUPTED_STAGE, days_inactive=3)
        self.assertEqual((back.stage_id, back.reason), (DEVELOPMENT.id, RETURNED))

    def test_never_bought_is_not_interrupted(self):
        self.assertEqual(run(None, DEVELOPMENT, days_inactive=None).stage_id, DEVELOPMENT.id)

    def test_unknown_share_keeps_the_stage(self):
        self.assertEqual(run(None, STABLE).stage_id, STABLE.id)

    def test_manual_stage_holds_until_the_band_changes(self):
        held = run(40, STABLE, manual=True, manual_band=INITIAL.id)
        self.assertEqual((held.stage_id, held.reason), (STABLE.id, KEPT))
        moved = run(10, STABLE, manual=True, manual_band=INITIAL.id)
        self.assertEqual((moved.stage_id, moved.reason), (DEVELOPMENT.id, FELL))
        no_wallet = run(None, STRATEGIC, manual=True, manual_band=None)
        self.assertEqual((no_wallet.stage_id, no_wallet.reason), (STRATEGIC.id, KEPT))
        silent = run(40, STABLE, days_inactive=200, manual=True, manual_band=INITIAL.id)
        self.assertEqual(silent.reason, INTERRUPTED)

    def test_band_problems(self):
        self.assertEqual(band_problems(STAGES), [])
        gap = band_problems([Stage(1, 0, 30), Stage(2, 35, 100)])
        self.assertEqual([(kind, a.id, b.id) for kind, a, b in gap], [("gap", 1, 2)])
        overlap = band_problems([Stage(1, 0, 40), Stage(2, 30, 100)])
        self.assertEqual([(kind, a.id, b.id) for kind, a, b in overlap], [("overlap", 1, 2)])
        start = band_problems([Stage(1, 10, 100)])
        self.assertEqual([kind for kind, _a, _b in start], ["start"])
        empty = band_problems([Stage(1, 0, 0), Stage(2, 0, 100)])
        self.assertEqual([kind for kind, _a, _b in empty], ["empty", "overlap"])
        inverted = band_problems([Stage(1, 0, 50), Stage(2, 50, 40)])
        self.assertEqual([kind for kind, _a, _b in inverted], ["empty"])
