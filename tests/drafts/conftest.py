"""The web personas and records, shared with the draft tests."""

import datetime as dt

import pytest

from tests.web.conftest import _immediate_tasks, clients, people, records  # noqa: F401
from xunzhi.reports.services import evaluation_for, evaluation_save


@pytest.fixture
def evaluation(county, records):  # noqa: F811 - the fixture, not the import
    ev = evaluation_for(campaign=county.campaign, unit=county.county)
    ev.until = dt.date(2021, 6, 30)
    ev.group_number = "第三"
    return evaluation_save(evaluation=ev)
