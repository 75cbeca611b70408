"""Statutory late-payment interest: simple interest at a reference rate plus
a margin, over the days an item is late.

The reference rate that applies on a day depends on the jurisdiction's
fixing rule (see ``credit.late.interest.rule``):

- ``daily``: the rate in force on that day;
- ``half_year_start``: the rate in force on 1 January (1 July) for the whole
  half-year (EU Directive 2011/7/EU, § 288/247 BGB);
- ``half_year_eve``: the rate in force on 31 December (30 June) for the next
  half-year (UK Late Payment Act).

:func:`periods` turns dated reference rates into ``(first day, last day,
annual rate in percent)`` periods; the dunning engine joins its items with
them in SQL, so the interest of 100,000 items is one statement.
"""

import datetime
from bisect import bisect_right


def rate_on(rates, day):
    """The rate in force on ``day`` from ``rates``, a date-sorted list of
    ``(date, rate)``; None before the first one."""
    index = bisect_right([date for date, _rate in rates], day)
    return rates[index - 1][1] if index else None


def _half_years(start, end):
    year, half = start.year, 0 if start.month < 7 else 1
    while True:
        first = datetime.date(year, 1 + 6 * half, 1)
        if first > end:
            return
        last = datetime.date(year, 6, 30) if half == 0 else datetime.date(year, 12, 31)
        yield first, last
        year, half = (year, 1) if half == 0 else (year + 1, 0)


def periods(rates, fixing, margin, start, end):
    """``(first, last, rate)`` periods covering ``start``..``end`` (both
    included) where the annual rate ``rate`` = reference rate + ``margin``
    applies. Days before the first known reference rate are left out (no
    rate, no interest): the user must enter the rates."""
    rates = sorted(rates)
    if start > end or not rates:
        return []
    result = []
    if fixing == "daily":
        changes = [date for date, _rate in rates if start < date <= end]
        bounds = [start, *changes]
        for index, first in enumerate(bounds):
            last = (
                bounds[index + 1] - datetime.timedelta(days=1) if index + 1 < len(bounds) else end
            )
            rate = rate_on(rates, first)
            if rate is not None:
                result.append((first, last, rate + margin))
        return result
    for first, last in _half_years(start, end):
        fixing_day = first if fixing == "half_year_start" else first - datetime.timedelta(days=1)
        rate = rate_on(rates, fixing_day)
        if rate is not None:
            result.append((max(first, start), min(last, end), rate + margin))
    return result


def interest(amount, rates, fixing, margin, *, due, today, day_count=365):
    """Interest on ``amount`` late since the day after ``due`` up to ``today``
    included (the Python twin of the SQL, for one item and the tests)."""
    total = 0.0
    for first, last, rate in periods(
        rates, fixing, margin, due + datetime.timedelta(days=1), today
    ):
        total += amount * rate / 100.0 * ((last - first).days + 1) / day_count
    return total
