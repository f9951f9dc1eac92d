"""Headers and markup behind the Content-Security-Policy and the private caching of data pages
(the browser itself checks the pages in test_csp_browser.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from xunzhi.web import charts

pytestmark = pytest.mark.django_db

STATIC = Path(charts.__file__).resolve().parent / "static" / "web"


def test_data_pages_are_private_and_not_stored(clients, records):
    for name, args in (("dashboard", []), ("ledger_list", ["activities"]), ("values", [])):
        response = clients["viewer"].get(reverse(name, args=args))
        cache = response["Cache-Control"]
        assert "private" in cache and "no-store" in cache, name
        assert "Cookie" in response.get("Vary", "")
    export = clients["viewer"].get(reverse("ledger_export", args=["activities"]))
    assert "no-store" in export["Cache-Control"]


def test_policy_header_forbids_inline_code(client, people):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"


def test_charts_carry_no_inline_style_or_script():
    svg = str(charts.bar_chart([("主题党日", 3), ("宣讲", 5)], title="活动"))
    svg += str(charts.stacked_projects([("教育", 4, 2)]))
    assert "<style" not in svg and "<script" not in svg
    assert not re.search(r"\sstyle=", svg) and not re.search(r"\son\w+=", svg)
    assert svg.count('class="xz-chart xz-pygal') == 2


def test_chart_stylesheet_is_generated_from_the_chart_style():
    """web/charts.css is what ``python -m xunzhi.web.charts`` writes from ``charts.STYLE``."""
    assert (STATIC / "charts.css").read_text(encoding="utf-8") == charts.chart_css()
    assert f".xz-key-0{{background:{charts.STYLE.colors[0]}}}" in charts.chart_css()


def test_report_stylesheet_is_the_renderers(client):
    from xunzhi.reports.render.html import REPORT_CSS
    from xunzhi.web.views.reports import _report_css_version

    response = client.get(reverse("report_css"), {"v": _report_css_version()})
    assert response.content.decode() == REPORT_CSS
    assert "immutable" in response["Cache-Control"]
    stale = client.get(reverse("report_css"), {"v": "old"})
    assert stale["Cache-Control"] == "no-cache"


def test_templates_have_no_inline_script_or_style():
    root = Path(charts.__file__).resolve().parents[1]
    for template in root.glob("*/templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text), template
        assert not re.search(r"<style", text), template
        assert not re.search(r"\sstyle=\"", text), template
        assert not re.search(r"\son(click|change|submit|load|input)=", text), template
