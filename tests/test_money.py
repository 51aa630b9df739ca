"""Money as finance defines it (cxsim.money): hand-computable business cases.

Each case is small enough to check with a pencil: undiscounted (rate 0) unless it says so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cxsim.money import DesignKind, cash_flows, classify, discount_factors, payback_day

DAYS = 10
FLAT = np.ones(DAYS)  # no discounting


def _margin(value: float) -> np.ndarray:
    return np.full(DAYS, value, dtype=np.float64)


def test_design_identical_to_baseline_is_zero_everywhere() -> None:
    """Same margins, same staff, no capex/opex: investment 0, benefit 0, NPV 0, no ROI, no payback."""
    cf = cash_flows(_margin(100), _margin(30), _margin(100), _margin(30), 0.0, 0.0, FLAT)
    assert cf.investment == 0.0 and cf.benefit == 0.0 and cf.npv == 0.0
    assert math.isnan(cf.roi)
    assert classify(cf.investment, cf.benefit) is DesignKind.NO_COST
    assert payback_day(cf.cum_benefit, cf.cum_investment) is None


def test_zero_investment_design_npv_is_its_benefit() -> None:
    """A free design that adds 5 of margin a day for 10 days: NPV 50, ROI undefined."""
    cf = cash_flows(_margin(100), _margin(0), _margin(105), _margin(0), 0.0, 0.0, FLAT)
    assert cf.investment == 0.0
    assert cf.benefit == pytest.approx(50.0)
    assert cf.npv == pytest.approx(50.0)
    assert math.isnan(cf.roi)
    assert classify(cf.investment, cf.benefit) is DesignKind.NO_COST


def test_added_staff_is_investment_not_a_lost_benefit() -> None:
    """One more agent at 240/day, capex 1,000; customers respond with +300/day of margin before staff.

    Design margin = base + 300 - 240 = base + 60. Investment = 1,000 + 10 x 240 = 3,400;
    benefit = 10 x 300 = 3,000; NPV = -400; ROI = -400 / 3,400.
    """
    cf = cash_flows(_margin(1000), _margin(480), _margin(1060), _margin(720), 1000.0, 0.0, FLAT)
    assert cf.investment == pytest.approx(3400.0)
    assert cf.benefit == pytest.approx(3000.0)
    assert cf.npv == pytest.approx(-400.0)
    assert cf.roi == pytest.approx(-400.0 / 3400.0)
    assert cf.recurring_per_year == pytest.approx(240.0 * 365)
    assert classify(cf.investment, cf.benefit) is DesignKind.INVESTMENT
    # NPV is the same as the plain margin difference minus capex: the split moves money, it adds none
    assert cf.npv == pytest.approx(10 * 60.0 - 1000.0)


def test_pure_saving_has_no_roi_and_is_a_trade_off_when_customers_go() -> None:
    """One agent fewer saves 240/day; customers' response costs 100/day: NPV +1,400, trade-off."""
    cf = cash_flows(_margin(1000), _margin(480), _margin(1000 + 240 - 100), _margin(240), 0.0, 0.0, FLAT)
    assert cf.investment == pytest.approx(-2400.0)
    assert cf.benefit == pytest.approx(-1000.0)
    assert cf.npv == pytest.approx(1400.0)
    assert math.isnan(cf.roi)  # never "ROI 11 million %"
    assert cf.recurring_per_year == pytest.approx(-240.0 * 365)
    assert classify(cf.investment, cf.benefit) is DesignKind.TRADE_OFF
    assert payback_day(cf.cum_benefit, cf.cum_investment) is None  # nothing to pay back


def test_saving_without_loss_is_a_saving() -> None:
    """Negative opex (a licence cancelled, -20/day) and no change in customers: NPV 200.

    The design's opex is not in the simulated margin (that is the market's), so margins are equal.
    """
    cf = cash_flows(_margin(1000), _margin(0), _margin(1000), _margin(0), 0.0, -20.0, FLAT)
    assert cf.investment == pytest.approx(-200.0)
    assert cf.benefit == pytest.approx(0.0)
    assert cf.npv == pytest.approx(200.0)
    assert classify(cf.investment, cf.benefit) is DesignKind.SAVING


def test_payback_day_by_hand() -> None:
    """Capex 25, benefit 10 a day: cumulative 10, 20, 30 -> pays back on day 3."""
    cf = cash_flows(_margin(0), _margin(0), _margin(10), _margin(0), 25.0, 0.0, FLAT)
    assert payback_day(cf.cum_benefit, cf.cum_investment) == 3
    # never pays back
    cf = cash_flows(_margin(0), _margin(0), _margin(1), _margin(0), 25.0, 0.0, FLAT)
    assert payback_day(cf.cum_benefit, cf.cum_investment) is None


def test_payback_must_hold_to_the_end() -> None:
    """Ahead on day 1, behind on days 2-4, ahead from day 5: payback is day 5, not day 1."""
    cum_inv = np.array([10.0, 20, 30, 40, 50, 60])
    cum_ben = np.array([11.0, 15, 25, 35, 55, 70])
    assert payback_day(cum_ben, cum_inv) == 5


def test_discounting_by_hand() -> None:
    """At 10 %/yr, day 365 is worth 1/1.1; capex is not discounted."""
    disc = discount_factors(365, 0.10)
    assert disc[-1] == pytest.approx(1 / 1.1)
    cf = cash_flows(np.zeros(365), np.zeros(365), np.zeros(365), np.zeros(365), 100.0, 1.0, disc)
    assert cf.investment == pytest.approx(100.0 + disc.sum())
    assert cf.npv == pytest.approx(-(100.0 + disc.sum()))


def test_classify_tolerates_rounding() -> None:
    assert classify(1e-9, -1e-9) is DesignKind.NO_COST
    assert classify(10.0, -5.0) is DesignKind.INVESTMENT
    assert classify(-10.0, 5.0) is DesignKind.SAVING
    assert classify(-10.0, -5.0) is DesignKind.TRADE_OFF
