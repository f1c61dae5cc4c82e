"""The report renders offline and suppresses cells of 1-10 beneficiaries."""

from __future__ import annotations

import re

import pytest

from apmlab.report.html import SUPPRESSED, Section, figure, page, svg, table


@pytest.mark.parametrize(("count", "suppressed"), [(0, False), (1, True), (10, True), (11, False)])
def test_small_cells_are_suppressed_with_everything_derived_from_them(count, suppressed):
    html = table(["Group", "Beneficiaries", "Paid per capita"], [("A", count, 12_345.0)],
                 ["number", "number", "money"], count_column=1)
    assert ("&lt;11" in html) is suppressed
    assert ("$12,345" in html) is not suppressed
    assert ">A<" in html  # labels stay visible


def test_page_needs_no_network():
    fig, ax = figure()
    ax.plot([1, 2], [3, 4])
    html = page("t", "s", [Section("Chart", svg(fig)), Section("Table", table(["a"], [(1,)]))])
    assert "<svg" in html
    assert not re.search(r"<script|<link|@import|url\((?!#)|(src|href)=\"https?:", html)


def test_suppressed_marker_is_the_documented_one():
    assert SUPPRESSED == "<11"


def test_years_are_labels_and_stay_visible_when_suppressed():
    html = table(["Year", "Beneficiaries"], [(2021, 5), (2022, 12_345)], count_column=1)
    assert ">2021<" in html and ">2022<" in html and "12,345" in html
    assert "2,021" not in html
