"""The audit log: every write by a person is recorded (who, when, before → after, through which
interface); imports once per file; the office and the guidance group read it for their scope."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.web.conftest import PASSWORD, login
from tests.web.messy import messy_activities
from xunzhi.audit.models import AuditEntry, Event
from xunzhi.audit.selectors import audit_changes
from xunzhi.ledgers.models import Activity, ReportedValue, ValueSubmission
from xunzhi.web.models import Job

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _entries(model: str, **filters):
    """Entries about ``model`` written through an interface (the fixtures' own writes,
    made by no interface, are marked 系统 and left out)."""
    return (
        AuditEntry.objects.filter(content_type__model=model, **filters)
        .exclude(via="system")
        .order_by("pk")
    )


def _changes(entry) -> dict[str, tuple[str, str]]:
    return {c.label: (c.before, c.after) for c in audit_changes(entry)}


def _activity_post(row, **over):
    data = {
        "org": row.org_id,
        "date": row.date.isoformat(),
        "type": row.type,
        "title": row.title,
        "participants": row.participants,
        "beneficiaries": row.beneficiaries,
        "version": row.version,
    }
    data.update(over)
    return data


def test_ledger_create_edit_delete_on_the_web(clients, county, records):
    clerk = clients["clerk"]
    branch = county.branches[1]
    response = clerk.post(
        reverse("ledger_new", args=["activities"]),
        {
            "org": branch.pk,
            "date": "2021-04-09",
            "type": "主题党日",
            "title": "新的主题党日",
            "participants": 12,
            "beneficiaries": 0,
        },
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    row = Activity.objects.get(title="新的主题党日")
    created = _entries("activity", action=AuditEntry.Action.CREATE).get()
    assert created.object_pk == str(row.pk) and created.actor.username == "clerk"
    assert created.via == "web" and created.remote_addr == "10.1.2.3"
    assert created.unit_path == branch.path and created.unit_name == branch.name
    assert _changes(created)["标题"] == ("", "新的主题党日")

    clerk.post(
        reverse("ledger_edit", args=["activities", row.pk]),
        _activity_post(row, title="改名后的主题党日", participants=15),
    )
    updated = _entries("activity", action=AuditEntry.Action.UPDATE).get()
    changes = _changes(updated)
    assert changes["标题"] == ("新的主题党日", "改名后的主题党日")
    assert changes["参加人数"] == ("12", "15")
    assert "版本" not in changes  # bookkeeping fields are not worth a line

    row.refresh_from_db()
    clerk.post(reverse("ledger_delete", args=["activities", row.pk]), {"version": row.version})
    deleted = _entries("activity", action=AuditEntry.Action.DELETE).get()
    assert deleted.object_pk == str(row.pk) and deleted.object_repr.endswith("改名后的主题党日")
    assert _changes(deleted)["标题"][0] == "改名后的主题党日"


def test_refused_edit_leaves_no_entry(clients, records):
    row = records["east_activity"]
    stale = _activity_post(row, title="过期的修改", version=row.version + 5)
    clients["clerk"].post(reverse("ledger_edit", args=["activities", row.pk]), stale)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


def test_values_and_their_approval(clients, county):
    town = county.townships[0]

    def url(action):
        return reverse(f"values_{action}", args=[town.code, "2021-06"])

    clients["clerk"].post(url("save"), {"version": 0, "v_专班抽调人数": "5"})
    first = ValueSubmission.objects.get(org=town, period="2021-06").version
    clients["clerk"].post(url("save"), {"version": first, "v_专班抽调人数": "7"})
    value = ReportedValue.objects.get(org=town, item="专班抽调人数")
    history = _entries("reportedvalue", object_pk=str(value.pk))
    assert [e.action for e in history] == [AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE]
    assert _changes(history[1])["数值"] == ("5.00", "7.00")
    sub = ValueSubmission.objects.get(org=town, period="2021-06")
    clients["clerk"].post(url("submit"), {"version": sub.version})
    sub.refresh_from_db()
    clients["office"].post(url("approve"), {"version": sub.version})
    statuses = [
        _changes(e).get("状态")
        for e in _entries("valuesubmission", action=AuditEntry.Action.UPDATE)
        if "状态" in _changes(e)
    ]
    assert statuses[-2:] == [("草稿", "已提交"), ("已提交", "已审核")]
    approval = _entries("valuesubmission").last()
    assert approval.actor.username == "office" and approval.unit_path == town.path


def test_organisations_and_users(clients, county):
    office = clients["office"]
    town = county.townships[0]
    office.post(
        reverse("org_edit", args=[town.code]),
        {"name": "东山镇", "kind": town.kind, "member_count": 99, "version": town.version},
    )
    org_entry = _entries("org", action=AuditEntry.Action.UPDATE).get()
    assert _changes(org_entry)["组织名称"] == (town.name, "东山镇")
    assert org_entry.actor.username == "office"

    office.post(
        reverse("org_new"),
        {"code": "T99", "name": "新村支部", "kind": "党支部", "member_count": 8, "parent": town.pk},
    )
    created = _entries("org", action=AuditEntry.Action.CREATE).get()
    assert _changes(created) == {
        "组织代码": ("", "T99"),
        "组织名称": ("", "新村支部"),
        "类型": ("", "党支部"),
        "党员数": ("", "8"),
        "领导班子": ("", "否"),
    }  # its own columns only: no reverse relations, no tree bookkeeping
    office.post(
        reverse("user_new"),
        {
            "username": "newclerk",
            "display_name": "新填报员",
            "role": "clerk",
            "scope": town.pk,
            "password": "pw-Newclerk-2021",
        },
    )
    user_entry = _entries("user", action=AuditEntry.Action.CREATE).get()
    assert user_entry.object_repr == "newclerk" and user_entry.unit_path == town.path
    assert _changes(user_entry)["密码"] == ("", "已设置")
    assert "pbkdf2" not in str(user_entry.changes) and "md5" not in str(user_entry.changes)
    profile_entry = _entries("profile", action=AuditEntry.Action.CREATE).get()
    assert _changes(profile_entry)["角色"] == ("", "填报员")
    assert _changes(profile_entry)["用户"] == ("", "newclerk")
    office.post(reverse("user_active", args=["newclerk"]), {"active": "0"})
    active = _entries("user", action=AuditEntry.Action.UPDATE).last()
    assert _changes(active)["有效"] == ("是", "否")


def test_report_version_and_settings_through_the_task(clients, county, records):
    response = clients["inspector"].post(
        reverse("reports"),
        {"unit": county.county.pk, "until": "2021-06-30", "group_number": "第三"},
    )
    assert response.status_code == 302
    evaluation = _entries("evaluation").last()
    assert evaluation.actor.username == "inspector" and evaluation.via == "web"
    assert _changes(evaluation)["指导组序号"] == ("", "第三")
    version = _entries("reportversion", action=AuditEntry.Action.CREATE).get()
    assert version.via == "task" and version.actor.username == "inspector"
    assert version.unit_path == county.county.path


def test_an_import_is_one_entry_per_file_not_per_row(clients, county):
    town, branch = county.townships[0], county.branches[0]
    data = messy_activities(town=town.name, branch=branch.name)
    clients["clerk"].post(
        reverse("upload"), {"files": [SimpleUploadedFile("东镇台账.xlsx", data)], "kind": ""}
    )
    interfaces = AuditEntry.objects.exclude(via="system")
    assert not interfaces.exists()  # a dry run writes nothing
    clients["clerk"].post(reverse("job_confirm", args=[Job.objects.latest("id").pk]))
    assert Activity.objects.filter(title__startswith="网页导入").count() == 3
    entry = interfaces.get()
    assert entry.event == Event.IMPORT and entry.object_repr.startswith("东镇台账.xlsx")
    assert entry.via == "task" and entry.actor.username == "clerk"
    assert entry.unit_path == town.path
    assert _changes(entry)["新增"] == ("", "3")


def test_ledger_queryset_delete_stays_one_statement(county):
    c = county.campaign
    Activity.objects.bulk_create(
        Activity(campaign=c, org=county.branches[0], date="2021-05-01", type="宣讲", title=f"a{i}")
        for i in range(40)
    )
    with CaptureQueriesContext(connection) as ctx:
        Activity.objects.filter(campaign=c).delete()
    assert len(ctx.captured_queries) <= 3, [q["sql"][:80] for q in ctx.captured_queries]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.DELETE).exists()


def test_admin_writes_are_marked_admin(county, records, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password=PASSWORD)
    row = records["west_problem"]
    client = login(admin)
    response = client.post(reverse("admin:ledgers_problem_delete", args=[row.pk]), {"post": "yes"})
    assert response.status_code == 302
    entry = _entries("problem", action=AuditEntry.Action.DELETE).get()
    assert entry.via == "admin" and entry.actor == admin


def test_logins_are_recorded(people, client):
    client.post(
        reverse("login"), {"username": "clerk", "password": PASSWORD}, REMOTE_ADDR="10.9.8.7"
    )
    entry = AuditEntry.objects.get(event=Event.LOGIN)
    assert entry.via == "web"
    assert entry.actor == people["clerk"] and entry.remote_addr == "10.9.8.7"
    client.post(reverse("logout"))
    assert AuditEntry.objects.filter(event=Event.LOGOUT, actor=people["clerk"]).exists()


# --- reading the log ------------------------------------------------------------------------


@pytest.fixture
def log(clients, county, records):
    """Writes in both townships and one without a unit."""
    for key, role in (("east_activity", "clerk"), ("west_activity", "office")):
        row = records[key]
        clients[role].post(
            reverse("ledger_edit", args=["activities", row.pk]),
            _activity_post(row, title=f'=HYPERLINK("http://x","{key}")'),
        )
    from xunzhi.audit.services import audit_event
    from xunzhi.ledgers.services import ledger_update

    audit_event(event=Event.LOCKOUT, model=None, object_repr="无此用户")
    problem = records["east_problem"]
    ledger_update(
        kind="problems",
        campaign=county.campaign,
        pk=problem.pk,
        version=problem.version,
        data={"description": "=cmd|' /C calc'!A0"},
        scope=None,
    )
    return AuditEntry.objects.all()


RIGHTS = {"office": 200, "inspector": 200, "clerk": 403, "viewer": 403}


@pytest.mark.parametrize("role", list(RIGHTS))
def test_who_may_read_the_log(clients, log, role):
    for name in ("audit", "audit_export"):
        assert clients[role].get(reverse(name)).status_code == RIGHTS[role], name
    nav = clients[role].get(reverse("dashboard")).content.decode()
    assert ("操作日志" in nav) is (RIGHTS[role] == 200)


def test_county_reader_sees_everything(clients, log):
    body = clients["inspector"].get(reverse("audit")).content.decode()
    assert "east_activity" in body and "west_activity" in body and "无此用户" in body


def test_township_office_sees_only_its_township(county, log):
    from xunzhi.organisations.services import user_save

    east = county.townships[0]
    user = user_save(username="eastoffice", role="office", scope=east, password=PASSWORD)
    client = login(user)
    body = client.get(reverse("audit")).content.decode()
    assert "east_activity" in body
    assert "west_activity" not in body and "无此用户" not in body
    assert client.get(reverse("audit"), {"unit": county.townships[1].code}).status_code == 404
    export = client.get(reverse("audit_export"))
    text = "\n".join(
        str(c.value)
        for row in openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows()
        for c in row
    )
    assert "east_activity" in text and "west_activity" not in text


def test_filters(clients, county, log):
    office = clients["office"]
    body = office.get(reverse("audit"), {"actor": "clerk"}).content.decode()
    assert "east_activity" in body and "west_activity" not in body
    west = county.townships[1].code
    body = office.get(reverse("audit"), {"unit": west}).content.decode()
    assert "west_activity" in body and "east_activity" not in body
    body = office.get(reverse("audit"), {"model": "ledgers.activity", "what": "update"})
    assert "无此用户" not in body.content.decode()
    body = office.get(reverse("audit"), {"what": "lockout"}).content.decode()
    assert "无此用户" in body and "east_activity" not in body
    body = office.get(reverse("audit"), {"date_from": "2000-01-01", "date_to": "2000-12-31"})
    assert 'id="xz-audit-total">0<' in body.content.decode()
    bad = office.get(reverse("audit"), {"date_from": "2021-13-45", "what": "drop table"})
    assert bad.status_code == 200 and "没有符合条件" in bad.content.decode()


def test_export_neutralises_formulas(clients, log):
    response = clients["office"].get(reverse("audit_export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "操作人", "途径", "操作")
    cells = [c for row in rows[1:] for c in row if isinstance(c, str)]
    assert "'=cmd|' /C calc'!A0" in cells  # the problem's name, starting with "="
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    changes = next(c for c in cells if "east_activity" in c and "→" in c)
    assert changes.startswith("标题：东镇主题党日 → =HYPERLINK")


def test_command_line_writes_are_marked_cli(tmp_path):
    """``xunzhi import`` (a roster, so the units exist) is one entry per file, via 命令行."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE") and not k.startswith("PYTEST")
    }
    env["XUNZHI_DATA_DIR"] = str(tmp_path)
    roster = tmp_path / "组织名册.csv"
    roster.write_text(
        "组织代码,组织名称,上级组织,类型,党员数\nX00,某县,,县,0\nX01,甲镇,X00,乡镇,10\n",
        encoding="utf-8",
    )

    def cli(*args):
        result = subprocess.run(
            [sys.executable, "-m", "xunzhi.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    cli("init")
    cli("import", str(roster), "--no-progress")
    shown = cli(
        "shell",
        "--no-imports",
        "-c",
        "from xunzhi.audit.models import AuditEntry as A\n"
        "for e in A.objects.all(): print(e.event, e.via, e.actor_name, e.object_repr, sep='|')",
    )
    lines = shown.strip().splitlines()
    assert len(lines) == 1, lines  # the file, not its two units
    event, via, actor, name = lines[0].split("|")
    assert (event, via) == ("import", "cli") and actor.startswith("命令行：")
    assert name.startswith("组织名册.csv")
