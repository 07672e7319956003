from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_customer_mgmt.tests.common import MetricsCase, age_writes

TODAY = date(2026, 6, 30)


def _days_ago(days):
    return datetime.combine(TODAY - timedelta(days=days), datetime.min.time())


@tagged("post_install", "-at_install")
class TestOpportunitySignals(MetricsCase):
    """Real opportunities in stages, won and lost through CRM's own actions, measured by
    the pass and read by the warning rules; calls logged on them as customer contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Lead = cls.env["crm.lead"]
        cls.stalls = {}
        cls.customer = cls._customer("Jiahe Machinery")
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Zhou Min", "parent_id": cls.customer.id}
        )
        cls.other = cls._customer("Quiet Co.")
        cls.qualified, cls.proposal = (
            cls.env["crm.stage"]
            .sudo()
            .create([{"name": "Qualified", "sequence": 1}, {"name": "Proposal", "sequence": 2}])
        )
        cls.stalled = cls._opportunity("Boilers", cls.qualified, stalled_since=45)
        cls.moving = cls._opportunity("Pumps", cls.proposal, partner=cls.buyer, stalled_since=10)
        cls.period_start = cls.env["crm.customer.metrics"]._window([], TODAY).cur
        cls.won = cls._opportunity("Valves", cls.proposal)
        with freeze_time(TODAY - timedelta(days=5)):
            cls.won.action_set_won()
        cls.lost = cls._opportunity("Seals", cls.qualified, partner=cls.buyer)
        with freeze_time(TODAY - timedelta(days=3)):
            cls.lost.action_set_lost()
        cls.lost_before = cls._opportunity("Tools", cls.qualified)
        with freeze_time(cls.period_start - timedelta(days=10)):
            cls.lost_before.action_set_lost()
        # neither open nor lost: archived as it stood; a lead is no opportunity yet
        cls.archived = cls._opportunity("Filters", cls.qualified)
        with freeze_time(TODAY - timedelta(days=1)):
            cls.archived.action_archive()
        cls._opportunity("Gaskets", cls.qualified, type="lead", stalled_since=90)
        elsewhere = cls.env["res.company"].create({"name": "Other Branch"})
        cls._opportunity("Pipes", cls.qualified, company_id=elsewhere.id, stalled_since=90)
        # the days of the last stage changes
        cls.Lead.flush_model()
        for lead, days in cls.stalls.items():
            cls.env.execute_query(
                SQL(
                    "UPDATE crm_lead SET date_last_stage_update = %s WHERE id = %s",
                    _days_ago(days),
                    lead.id,
                )
            )
        cls.Lead.invalidate_model()
        cls.scope = repr([("id", "in", (cls.customer | cls.other).ids)])

    @classmethod
    def _opportunity(cls, name, stage, partner=None, stalled_since=None, **values):
        lead = cls.Lead.create(
            {
                "name": name,
                "type": "opportunity",
                "partner_id": (partner or cls.customer).id,
                "stage_id": stage.id,
                "company_id": cls.env.company.id,
                "team_id": False,
                **values,
            }
        )
        if stalled_since is not None:
            cls.stalls[lead] = stalled_since
        return lead

    def _measured(self, partner):
        return self.Metrics._measure_values(partner.ids)[partner.id]

    def _opportunity_measures(self, values):
        return {name: values[name] for name in values if "opportunit" in name}

    def test_crm_says_what_won_and_lost_are(self):
        self.assertEqual(
            (self.won.won_status, self.lost.won_status, self.archived.won_status),
            ("won", "lost", "pending"),
        )
        self.assertEqual(self.lost.date_closed.date(), TODAY - timedelta(days=3))

    def test_the_pass_measures_the_customers_opportunities(self):
        self._pass(self.customer | self.other, TODAY)
        self.assertEqual(
            self._opportunity_measures(self._measured(self.customer)),
            {
                "opportunities_open": 2,  # the buyer's opportunity is the company's
                "opportunity_stalled_days": 45,
                "opportunities_won": 1,
                "opportunities_won_prev": 0,
                "opportunities_lost": 1,
                "opportunities_lost_prev": 1,
            },
        )
        self.assertEqual(
            self._opportunity_measures(self._measured(self.other)),
            {
                "opportunities_open": None,  # the facts read it as 0
                "opportunity_stalled_days": None,
                "opportunities_won": 0,
                "opportunities_won_prev": 0,
                "opportunities_lost": 0,
                "opportunities_lost_prev": 0,
            },
        )

    def test_winning_the_stalled_one_leaves_the_longest_stall_of_the_rest(self):
        self.stalled.action_set_won()
        self._pass(self.customer, TODAY)
        measured = self._measured(self.customer)
        self.assertEqual(measured["opportunity_stalled_days"], 10)
        self.assertEqual(measured["opportunities_open"], 1)

    def test_a_back_test_reads_closing_dates_only(self):
        Metrics = self.Metrics
        today = Metrics._measure_as_of(self.customer.ids, TODAY)[self.customer.id]
        self.assertEqual(
            self._opportunity_measures(today),
            {
                "opportunities_open": None,  # the state of now, not of the day
                "opportunity_stalled_days": None,
                "opportunities_won": 1,
                "opportunities_won_prev": 0,
                "opportunities_lost": 1,
                "opportunities_lost_prev": 1,
            },
        )
        # four days earlier the lost one was not lost yet
        before = Metrics._measure_as_of(self.customer.ids, TODAY - timedelta(days=4))
        won_lost = ("opportunities_won", "opportunities_lost", "opportunities_lost_prev")
        self.assertEqual([before[self.customer.id][name] for name in won_lost], [1, 0, 1])

    def _stalled_rule(self):
        """The shipped rule, as the test company's own."""
        rule = self.env.ref("crm_customer_mgmt_crm.warning_rule_stalled_opportunity").sudo()
        self.assertTrue(rule.active)
        return rule.copy(
            {"company_id": self.env.company.id, "name": rule.name, "partner_domain": self.scope}
        ).sudo(False)

    def _evaluate(self, rule):
        self._pass(self.customer | self.other, TODAY)
        with freeze_time(TODAY):
            rule._evaluate(TODAY)
        return self.env["crm.customer.warning"].search([("rule_id", "=", rule.id)])

    def test_a_stalled_opportunity_opens_a_warning_that_progress_resolves(self):
        rule = self._stalled_rule()
        labels = dict(rule._fields["metric"]._description_selection(self.env))
        self.assertEqual(labels["opportunity_stalled_days"], "Days an opportunity has stalled")
        warning = self._evaluate(rule)
        self.assertEqual((warning.partner_id, warning.value), (self.customer, 45))
        self.assertEqual((warning.state, warning.threshold), ("open", 30))
        self.assertIn("an opportunity has stalled in its stage 45 days", warning.message)
        self.stalled.action_set_lost()
        self.assertEqual(self._evaluate(rule).state, "resolved")

    def test_a_rule_on_lost_opportunities(self):
        rule = self.env["crm.customer.warning.rule"].create(
            {
                "name": "Losing deals",
                "metric": "opportunities_lost",
                "operator": ">=",
                "threshold": 1,
                "partner_domain": self.scope,
            }
        )
        warning = self._evaluate(rule)
        self.assertEqual((warning.partner_id, warning.value), (self.customer, 1))
        self.assertIn("1 opportunities lost", warning.message)

    def _done(self, lead, activity_type, day):
        activity = lead.activity_schedule(activity_type, date_deadline=day)
        with freeze_time(day):
            activity.action_feedback(feedback="Talked about the second boiler")

    def test_a_call_on_an_opportunity_is_a_contact_of_its_customer(self):
        self._done(self.moving, "mail.mail_activity_data_call", TODAY - timedelta(days=2))
        self._done(self.stalled, "mail.mail_activity_data_todo", TODAY - timedelta(days=1))
        self._pass(self.customer | self.other, TODAY)
        self.assertEqual(self.customer.last_contact_date, TODAY - timedelta(days=2))
        self.assertEqual(self.customer.last_contact_kind, "phone")
        self.assertFalse(self.other.last_contact_date)
        measured = self._measured(self.customer)
        self.assertEqual(
            (measured["contacts_phone"], measured["contacts_email"], measured["contacts_prev"]),
            (1, 0, 0),
        )
        events = self.env["crm.customer.contact"]._contact_events(self.customer.ids, None, TODAY)
        rows = self.env.execute_query(SQL("SELECT model, res_id, kind FROM (%s) e", events))
        self.assertEqual(rows, [("crm.lead", self.moving.id, "phone")])

    def test_a_call_planned_on_an_open_opportunity_is_a_planned_contact(self):
        due = TODAY + timedelta(days=3)
        activity = self.moving.activity_schedule(
            "mail.mail_activity_data_call", date_deadline=due, summary="Price of the pumps"
        )
        self.won.activity_schedule("mail.mail_activity_data_todo", date_deadline=due)
        planned = self.env["crm.customer.contact"]._planned_contacts(
            (self.customer | self.other).ids, TODAY, TODAY + timedelta(days=7)
        )
        rows = self.env.execute_query(
            SQL("SELECT partner_id, date, kind, model, res_id, note FROM (%s) p", planned)
        )
        self.assertEqual(
            rows,
            [(self.customer.id, due, "phone", "mail.activity", activity.id, "Price of the pumps")],
        )
        later = self.env["crm.customer.contact"]._planned_contacts(
            self.customer.ids, TODAY, TODAY + timedelta(days=2)
        )
        self.assertFalse(self.env.execute_query(SQL("SELECT 1 FROM (%s) p", later)))

    def test_the_incremental_pass_follows_opportunities(self):
        ids = (self.customer | self.other).ids
        moved = self.Metrics._pass_calendar_moved(ids, TODAY - timedelta(days=1), TODAY)
        self.assertIn(self.customer.id, moved, "an open opportunity stalls a day longer")
        self.assertNotIn(self.other.id, moved)
        age_writes(self.env)
        since = str(self.env.cr.now() - timedelta(hours=1))
        self.assertNotIn(self.other.id, self.Metrics._pass_changed_since(since))
        self._opportunity("Hoses", self.qualified, partner=self.other)
        self.env.flush_all()
        self.assertIn(self.other.id, self.Metrics._pass_changed_since(since))

    def test_an_opportunity_deleted_or_moved_brings_its_customer_back(self):
        self._pass(self.customer | self.other, TODAY)
        Metrics = self.env["crm.customer.metrics"]

        def stale():
            rows = Metrics.search([("partner_id", "in", (self.customer | self.other).ids)])
            return rows.filtered("stale").partner_id

        self.assertFalse(stale())
        self.moving.partner_id = self.other  # the buyer's: the customer's count changes
        self.assertEqual(stale(), self.customer)
        self._pass(self.customer | self.other, TODAY)
        self.assertFalse(stale(), "measuring clears the mark")
        self.moving.sudo().unlink()
        self.assertEqual(stale(), self.other)
