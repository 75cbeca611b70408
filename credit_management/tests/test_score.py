from datetime import timedelta

from odoo.tests import tagged

from .common import CreditCommon
from .test_dunning import DunningCommon


@tagged("post_install", "-at_install")
class TestRiskScore(CreditCommon):
    """A payment history computed by hand:

    ======  ======  ==========  ==============  =========
    amount  due     paid        days late       state
    ======  ======  ==========  ==============  =========
    1000    -100    -70         30              paid late
    3000    -60     -65         0               paid
    500     -10     open        10 (so far)     overdue
    500     +20     open        0               not due
    ======  ======  ==========  ==============  =========

    weighted days late = (1000*30 + 500*10) / 5000 = 7; paid late 1 of 2 = 50 %;
    overdue 500 of 1000 open = 50 %; limit 4000, exposure 1000: 25 % used.
    Points: 30*(1-7/60)=26.5, 20*0.5=10, 20*0.5=10, 10*0.75=7.5, 10, 10: 74.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.class_a = cls.env["credit.risk.class"].create(
            {"name": "Excellent", "code": "A", "min_score": 86}
        )
        cls.class_b = cls.env["credit.risk.class"].create(
            {"name": "Good", "code": "B", "min_score": 72}
        )
        cls.customer.with_company(cls.company).credit_limit = 4000
        late = cls._invoice(cls.customer, 1000, date_days=-130, due_days=-100)
        cls._pay(late, days=-70)
        on_time = cls._invoice(cls.customer, 3000, date_days=-90, due_days=-60)
        cls._pay(on_time, days=-65)
        cls._invoice(cls.customer, 500, date_days=-40, due_days=-10)
        cls._invoice(cls.customer, 500, date_days=-10, due_days=20)

    def _score(self):
        self.env["credit.risk.score"]._compute_scores(self.company, self.customer)
        return self.env["credit.risk.score"]._current_for(self.customer, self.company)

    def test_factors_and_points(self):
        score = self._score()
        self.assertRecordValues(
            score,
            [
                {
                    "weighted_days_late": 7.0,
                    "late_share": 50.0,
                    "overdue_ratio": 50.0,
                    "utilisation": 25.0,
                    "returned_payments": 0,
                    "days_late_points": 26.5,
                    "late_share_points": 10.0,
                    "overdue_points": 10.0,
                    "utilisation_points": 7.5,
                    "returned_points": 10.0,
                    "dunning_points": 10.0,
                    "score": 74.0,
                    "suggested_class_id": self.class_b.id,
                    "no_history": False,
                }
            ],
        )
        self.assertEqual(self.customer.with_company(self.company).credit_score, 74.0)

    def test_external_rating_weighs_thirty_percent(self):
        self.customer.credit_external_rating = 90
        self.assertAlmostEqual(self._score().score, 0.7 * 74 + 0.3 * 90)

    def test_recomputing_updates_the_same_row(self):
        first = self._score()
        self.customer.with_company(self.company).credit_limit = 2000
        second = self._score()
        self.assertEqual(first, second)
        self.assertEqual(second.utilisation, 50.0)

    def test_returned_payment(self):
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.customer.id,
                "amount": 200,
                "date": self.today - timedelta(days=3),
            }
        )
        payment.action_post()
        payment.move_id._reverse_moves(cancel=True)
        score = self._score()
        self.assertEqual(score.returned_payments, 1)
        self.assertEqual(score.returned_points, 5.0)

    def test_bad_external_rating_is_refused(self):
        with self.assertRaises(Exception):  # noqa: B017 - ValidationError from the constraint
            self.customer.credit_external_rating = 140


@tagged("post_install", "-at_install")
class TestDunningFactor(DunningCommon):
    """The highest level of the reminders sent in 12 months, relative to the
    policy's overdue levels (First, Second, Final: pre-due reminders are not
    dunning)."""

    def test_highest_level_sent_in_twelve_months(self):
        self.policy.skip_levels = True
        names = ("Final", "First", "Pre-due only", "Blocked", "Long ago")
        top, first, pre_due, blocked, old = self.env["res.partner"].create(
            [
                {"name": name, "is_company": True, "email": f"{n}@example.com"}
                for n, name in enumerate(names)
            ]
        )
        blocked.email = False  # no channel reaches it: its reminder is blocked
        self._invoice(old, 100, due_days=-470, date_days=-470)
        self._run(-400)  # the final level, 400 days ago
        self._invoice(top, 100, due_days=-70, date_days=-70)
        self._invoice(first, 100, due_days=-15, date_days=-15)
        self._invoice(pre_due, 100, due_days=3, date_days=-3)
        self._invoice(blocked, 100, due_days=-70, date_days=-70)
        run = self._run()
        self.assertEqual(self._comm(run, blocked).state, "blocked")
        partners = top | first | pre_due | blocked | old
        Score = self.env["credit.risk.score"]
        Score._compute_scores(self.company, partners)
        scores = {partner: Score._current_for(partner, self.company) for partner in partners}
        self.assertEqual(
            {partner.name: (s.dunning_level, s.dunning_points) for partner, s in scores.items()},
            {
                "Final": (3, 0.0),
                "First": (1, 6.67),
                "Pre-due only": (0, 10.0),
                "Blocked": (0, 10.0),
                "Long ago": (0, 10.0),
            },
        )
