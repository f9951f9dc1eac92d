"""What each importable kind looks like: its Chinese columns, their aliases and value types.

One declaration per kind drives the importer (finding the header, reading values), the
exporters (the same columns in the same order, so export → import is the identity) and
the templates (headers, drop-down lists).
"""

from __future__ import annotations

from dataclasses import dataclass

from xunzhi.ledgers.models import (
    Activity,
    Problem,
    ProblemStatus,
    Project,
    ProjectStatus,
    ReportedValue,
    Resource,
    SupervisionVisit,
)
from xunzhi.organisations.models import Leader, Org, OrgKind, Rank

#: kind → Chinese label, as users see it.
KIND_LABELS: dict[str, str] = {
    "orgs": "组织名册",
    "leaders": "领导名册",
    "activities": "活动台账",
    "projects": "办实事项目",
    "problems": "问题清单",
    "resources": "资源台账",
    "values": "填报数据",
    "visits": "督导记录",
}

#: kind → model.
KIND_MODELS = {
    "orgs": Org,
    "leaders": Leader,
    "activities": Activity,
    "projects": Project,
    "problems": Problem,
    "resources": Resource,
    "values": ReportedValue,
    "visits": SupervisionVisit,
}

LEDGER_KINDS = ("activities", "projects", "problems", "resources", "values", "visits")
#: Kinds are written in this order so that ledgers may name units and leaders of the same import.
WRITE_ORDER = ("orgs", "leaders", *LEDGER_KINDS)

_ORG_ALIASES = (
    "单位",
    "单位名称",
    "组织名称",
    "党组织",
    "党组织名称",
    "所属单位",
    "所属组织",
    "填报单位",
    "组织代码",
    "单位代码",
)


@dataclass(frozen=True)
class Column:
    """One import column.

    ``parse`` names the value type: text, key (a short name, spaces removed), int, money,
    date, bool, tags, period, org, leader, parent, and ``choice:<source>`` where the source
    is an attribute of the campaign spec (``activity_types``) or a fixed list below.
    """

    header: str
    field: str
    parse: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    example: str = ""
    #: False for a column that exports carry but blank templates do not (版本)
    template: bool = True


@dataclass(frozen=True)
class Kind:
    name: str
    columns: tuple[Column, ...]
    #: headers (canonical) that must all be present for a sheet to be of this kind
    signature: tuple[str, ...]

    @property
    def label(self) -> str:
        return KIND_LABELS[self.name]

    @property
    def model(self):
        return KIND_MODELS[self.name]

    def column_for_field(self, name: str) -> Column:
        for col in self.columns:
            if col.field == name:
                return col
        raise KeyError(name)

    def column(self, header: str) -> Column:
        for col in self.columns:
            if col.header == header:
                return col
        raise KeyError(header)


FIXED_CHOICES: dict[str, tuple[str, ...]] = {
    "org_kinds": tuple(k.value for k in OrgKind),
    "ranks": tuple(r.value for r in Rank),
    "project_status": tuple(s.value for s in ProjectStatus),
    "problem_status": tuple(s.value for s in ProblemStatus),
}


KINDS: dict[str, Kind] = {
    "orgs": Kind(
        "orgs",
        (
            Column(
                "组织代码", "code", "key", True, ("代码", "编码", "组织编码", "单位代码"), "T12"
            ),
            Column(
                "组织名称", "name", "text", True, ("名称", "单位名称", "单位", "组织"), "某某镇"
            ),
            Column(
                "上级组织",
                "parent",
                "parent",
                False,
                ("上级", "上级单位", "上级组织代码", "上级组织名称", "上级党组织"),
                "某某县",
            ),
            Column("类型", "kind", "choice:org_kinds", True, ("组织类型", "单位类型"), "乡镇"),
            Column("党员数", "member_count", "int", False, ("党员人数", "党员"), "120"),
            Column("领导班子", "is_leading_body", "bool", False, ("是否领导班子",), "否"),
        ),
        ("组织代码", "组织名称"),
    ),
    "leaders": Kind(
        "leaders",
        (
            Column("姓名", "name", "key", True, ("名字", "领导姓名", "人员姓名"), "张三"),
            Column("组织", "org", "org", True, ("所在单位", "所在组织", *_ORG_ALIASES), "某某镇"),
            Column("职务", "title", "text", False, ("现任职务", "职位"), "党委书记"),
            Column("职级", "rank", "choice:ranks", False, ("级别", "职务级别"), "乡科级"),
            Column("主要领导", "is_principal", "bool", False, ("是否主要领导",), "否"),
        ),
        ("姓名", "组织"),
    ),
    "activities": Kind(
        "activities",
        (
            Column(
                "日期",
                "date",
                "date",
                True,
                ("时间", "活动日期", "活动时间", "开展时间", "开展日期", "举办时间"),
                "2021-06-01",
            ),
            Column("组织", "org", "org", True, _ORG_ALIASES, "某某镇"),
            Column(
                "类型",
                "type",
                "choice:activity_types",
                True,
                ("活动类型", "活动形式", "形式", "类别"),
            ),
            Column(
                "标题",
                "title",
                "text",
                True,
                ("活动名称", "活动主题", "主题", "名称", "活动内容", "内容"),
                "学习党史专题研讨",
            ),
            Column(
                "参加人数",
                "participants",
                "int",
                False,
                ("人数", "参加人员数", "参与人数", "参会人数", "参学人数", "参加人次"),
                "35",
            ),
            Column(
                "主讲/带头领导",
                "leader",
                "leader",
                False,
                ("主讲领导", "带头领导", "主讲人", "主讲", "领导", "授课领导", "主讲/带头"),
            ),
            Column("受益人数", "beneficiaries", "int", False, ("受益群众", "受益群众数"), "0"),
            Column("地点", "location", "text", False, ("活动地点", "地址"), "党员活动室"),
            Column("标签", "tags", "tags", False, ("活动标签", "标记"), "自选动作"),
            Column("备注", "note", "text", False, ("说明",)),
        ),
        ("日期", "组织", "类型", "标题"),
    ),
    "projects": Kind(
        "projects",
        (
            Column(
                "项目名称",
                "name",
                "text",
                True,
                ("项目", "实事项目", "实事项目名称", "项目名"),
                "修缮村级道路",
            ),
            Column("责任单位", "org", "org", True, ("牵头单位", *_ORG_ALIASES), "某某镇"),
            Column("领办领导", "leader", "leader", False, ("领导", "牵头领导", "负责领导")),
            Column("领导职级", "leader_rank", "choice:ranks", False, ("职级",), "乡科级"),
            Column(
                "重点领域", "field", "choice:project_fields", True, ("领域", "所属领域", "类别")
            ),
            Column(
                "计划完成日期",
                "planned_date",
                "date",
                False,
                ("计划完成时间", "计划时间", "完成时限"),
                "2021-09-30",
            ),
            Column(
                "状态",
                "status",
                "choice:project_status",
                False,
                ("进展", "进展情况", "项目状态", "推进情况"),
                "推进中",
            ),
            Column("完成日期", "done_date", "date", False, ("完成时间", "实际完成日期")),
            Column("受益人数", "beneficiaries", "int", False, ("受益群众", "受益群众数"), "500"),
        ),
        ("项目名称", "责任单位", "重点领域"),
    ),
    "problems": Kind(
        "problems",
        (
            Column("问题来源", "source", "choice:problem_sources", True, ("来源",)),
            Column("责任单位", "org", "org", True, ("整改单位", *_ORG_ALIASES), "某某镇"),
            Column(
                "问题描述",
                "description",
                "text",
                True,
                ("问题", "具体问题", "问题表现", "存在问题", "问题内容"),
                "学习笔记不全",
            ),
            Column(
                "问题类别", "category", "choice:problem_categories", False, ("类别", "问题类型")
            ),
            Column("整改措施", "measures", "text", False, ("措施", "整改举措"), "补齐笔记"),
            Column(
                "整改时限",
                "deadline",
                "date",
                False,
                ("时限", "整改期限", "完成时限"),
                "2021-08-31",
            ),
            Column(
                "整改状态",
                "status",
                "choice:problem_status",
                False,
                ("状态", "整改情况", "整改进展"),
                "整改中",
            ),
            Column(
                "完成日期", "done_date", "date", False, ("完成时间", "整改完成日期", "销号日期")
            ),
            Column("发现日期", "found_date", "date", False, ("查摆日期", "发现时间")),
        ),
        ("问题来源", "责任单位", "问题描述"),
    ),
    "resources": Kind(
        "resources",
        (
            Column("类型", "type", "choice:resource_types", True, ("资源类型", "类别")),
            Column("名称", "name", "text", True, ("资源名称", "名目"), "红色教育基地"),
            Column("组织", "org", "org", True, _ORG_ALIASES, "某某镇"),
            Column("数量", "quantity", "int", False, ("个数", "集数", "数目"), "1"),
            Column("负责领导", "leader", "leader", False, ("负责人", "领导")),
            Column("备注", "note", "text", False, ("说明",)),
        ),
        ("类型", "名称", "组织"),
    ),
    "values": Kind(
        "values",
        (
            Column("组织", "org", "org", True, _ORG_ALIASES, "某某镇"),
            Column(
                "期间",
                "period",
                "period",
                True,
                ("时期", "月份", "统计期间", "填报期间"),
                "2021-06",
            ),
            Column("指标", "item", "choice:value_items", True, ("指标名称", "填报指标", "项目")),
            Column("数值", "value", "money", True, ("值", "数据", "数量", "填报值"), "12"),
        ),
        ("组织", "期间", "指标", "数值"),
    ),
    "visits": Kind(
        "visits",
        (
            Column("日期", "date", "date", True, ("督导日期", "时间", "督导时间"), "2021-06-15"),
            Column(
                "督导组",
                "group_name",
                "text",
                True,
                ("督导组名称", "指导组", "巡回指导组"),
                "第一巡回指导组",
            ),
            Column(
                "被督导单位",
                "org",
                "org",
                True,
                ("被指导单位", "督导单位", "受督导单位", *_ORG_ALIASES),
                "某某镇",
            ),
            Column("方式", "method", "choice:visit_methods", True, ("督导方式", "指导方式")),
            Column("发现问题", "findings", "text", False, ("问题", "存在问题")),
            Column("反馈意见", "feedback", "text", False, ("意见", "反馈")),
        ),
        ("日期", "督导组", "被督导单位", "方式"),
    ),
}


#: The version a row had when exported (optimistic locking across export → edit → import):
#: a row changed on the web since then is refused by the importer, never silently overwritten.
VERSION_COLUMN = Column("版本", "version", "version", False, ("版本号",), template=False)
for _name in LEDGER_KINDS:
    _kind = KINDS[_name]
    KINDS[_name] = Kind(_kind.name, (*_kind.columns, VERSION_COLUMN), _kind.signature)


def kind_get(name: str) -> Kind:
    from xunzhi.lib.errors import UserError

    try:
        return KINDS[name]
    except KeyError:
        known = "、".join(f"{k}（{v}）" for k, v in KIND_LABELS.items())
        raise UserError(f"未知的台账类型“{name}”。可选：{known}。") from None


def choices_for(parse: str, spec) -> tuple[str, ...]:
    """The allowed words of a ``choice:<source>`` column for a campaign."""
    source = parse.split(":", 1)[1]
    if source in FIXED_CHOICES:
        return FIXED_CHOICES[source]
    if source == "value_items":
        return spec.value_item_codes
    return tuple(getattr(spec, source))
