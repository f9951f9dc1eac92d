"""The city page and its export, for a city user; county users are refused."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.city.test_compare import UNTIL, independent
from tests.city.test_roles import sign_in
from xunzhi.web.services import demo_users_create


@pytest.fixture
def users(city, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    demo_users_create()
    return city


def test_city_page_compares_the_counties(campaign, users):
    client = sign_in("city-office")
    page = client.get(reverse("city"), {"until": UNTIL.isoformat()}).content.decode()
    expected = independent(campaign, users)
    a, b = (c.county for c in users.counties)
    for county in (a, b):
        # drill-down into the county's own dashboard
        assert f'href="/?unit={county.code}"' in page
        row = page[page.index(f">{county.name}</a>") :].split("</tr>")[0]
        cells = re.findall(r'<td class="text-end text-nowrap">([^<]*)</td>', row)
        # the columns: members, activities, participants … (figures.compare.COUNTS)
        assert cells[0] == f"{expected['members'][county.path]:,}"
        assert cells[1] == f"{expected['activities'][county.path]:,}"
        assert cells[2] == f"{expected['participants'][county.path]:,}"
    assert "全市合计" in page and "测试市各县（市、区）比较" in page
    assert page.count("<svg") >= 2  # the charts
    assert "各县比较</a>" in page  # the navigation entry


def test_city_page_sorts_server_side(campaign, users):
    client = sign_in("city-inspector")
    expected = independent(campaign, users)["activities"]
    a, b = (c.county for c in users.counties)
    first = a if expected[a.path] < expected[b.path] else b
    page = client.get(reverse("city"), {"sort": "activities", "dir": "asc", "until": UNTIL})
    body = page.content.decode()
    others = {a.name, b.name} - {first.name}
    assert body.index(f">{first.name}</a>") < body.index(f">{others.pop()}</a>")
    assert 'aria-sort="ascending"' in body
    assert client.get(reverse("city"), {"sort": "nonsense"}).status_code == 404


def test_city_export_reads_back(campaign, users):
    users.counties[1].county.name = "=HYPERLINK(1)"
    users.counties[1].county.save()
    client = sign_in("city-office")
    response = client.get(reverse("city_export"), {"until": UNTIL.isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(2, values_only=True)}
    expected = independent(campaign, users)
    a, b = (c.county for c in users.counties)
    assert set(rows) == {"甲县", "'=HYPERLINK(1)", "测试市合计"}  # neutralised
    for county, name in ((a, "甲县"), (b, "'=HYPERLINK(1)")):
        assert rows[name]["开展活动"] == expected["activities"][county.path]
        assert rows[name]["已整改问题"] == expected["problems_done"][county.path]
        rate = expected["problems_done"][county.path] / expected["problems"][county.path]
        assert rows[name]["问题整改率"] == pytest.approx(rate)
    assert rows["测试市合计"]["开展活动"] == sum(expected["activities"].values())
    rule_columns = [h for h in header if h.endswith("：测量单位数")]
    assert rule_columns and all(rows["甲县"][h] > 0 for h in rule_columns)


@pytest.mark.parametrize("username", ["office", "inspector", "clerk", "viewer"])
def test_county_users_are_refused(users, username):
    client = sign_in(username)
    assert client.get(reverse("city")).status_code == 403
    assert client.get(reverse("city_export")).status_code == 403
    assert "各县比较</a>" not in client.get(reverse("dashboard")).content.decode()
