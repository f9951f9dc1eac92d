"""Personas of the web tests, a visit to the east township and real attachment files."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.web.conftest import _immediate_tasks, clients, people, records  # noqa: F401 - fixtures
from tests.web.test_browser import browser, page_for  # noqa: F401 - fixtures
from xunzhi.ledgers.models import SupervisionVisit


@pytest.fixture
def visit(county):
    return SupervisionVisit.objects.create(
        campaign=county.campaign,
        org=county.townships[0],
        date=dt.date(2021, 6, 10),
        group_name="县委第一巡回指导组",
        method="查阅资料",
        findings="学习记录不全",
    )


@pytest.fixture
def foreign_visit(county):
    return SupervisionVisit.objects.create(
        campaign=county.campaign,
        org=county.townships[1],
        date=dt.date(2021, 6, 12),
        group_name="县委第一巡回指导组",
        method="个别谈话",
    )


def docx_bytes(text: str = "整改报告") -> bytes:
    """A real Word document (python-docx)."""
    from docx import Document

    doc = Document()
    doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["整改事项", "完成情况"])
    wb.active.append(["补齐学习记录", "已完成"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)
