from datetime import date

from odoo.tests import BaseCase, tagged

from ..engine import contacts


@tagged("post_install", "-at_install")
class TestEngineContacts(BaseCase):
    def setUp(self):
        super().setUp()
        self.cadences = [
            contacts.Cadence(1, 7, tier="vip"),
            contacts.Cadence(2, 30, tier="ordinary"),
            contacts.Cadence(3, 20, stage_id=5),
            contacts.Cadence(4, 10, tier="vip", stage_id=5),
            contacts.Cadence(5, 60),
        ]

    def test_most_specific_cadence_applies(self):
        self.assertEqual(contacts.cadence_for(self.cadences, "vip", 5).id, 4)
        self.assertEqual(contacts.cadence_for(self.cadences, "ordinary", 5).id, 3)
        self.assertEqual(contacts.cadence_for(self.cadences, "vip", 9).id, 1)
        self.assertEqual(contacts.cadence_for(self.cadences, "small", None).id, 5)
        self.assertIsNone(contacts.cadence_for(self.cadences[:2], "small", None))

    def test_shortest_among_equals(self):
        cadences = [contacts.Cadence(1, 14, tier="key"), contacts.Cadence(2, 7, tier="key")]
        self.assertEqual(contacts.cadence_for(cadences, "key", None).days, 7)

    def test_next_contact_and_lateness(self):
        last, since = date(2026, 3, 1), date(2025, 1, 1)
        self.assertEqual(contacts.next_contact(last, 7, since), date(2026, 3, 8))
        self.assertEqual(contacts.next_contact(None, 7, since), date(2025, 1, 8))
        self.assertIsNone(contacts.next_contact(last, 0, since))
        self.assertEqual(contacts.days_late(date(2026, 3, 8), date(2026, 3, 10)), 2)
        self.assertEqual(contacts.days_late(date(2026, 3, 8), date(2026, 3, 1)), -7)
        self.assertTrue(contacts.on_time(date(2026, 3, 8), date(2026, 3, 8)))
        self.assertFalse(contacts.on_time(date(2026, 3, 8), date(2026, 3, 9)))

    def test_priority_and_kind_shown(self):
        self.assertEqual(
            [contacts.priority(t) for t in ("vip", "key", "ordinary", "small", None)],
            [1, 2, 3, 4, 5],
        )
        self.assertEqual(contacts.first_kind(["email", "phone"]), "phone")
        self.assertEqual(contacts.first_kind(["email", "meeting", "phone"]), "meeting")
        self.assertIsNone(contacts.first_kind([]))
