"""The kinds xunzhi ships: two rosters the importer reads and the six ledgers of ``ledgers.md``.

One :func:`~xunzhi.ledgers.registry.register` call per kind; see ``docs/architecture.md``
("How to add a ledger kind"). Models are named, not imported (see the registry). Examples that
belong to a campaign (dates, titles) are not here: they come from the campaign file's
``[examples.<kind>]`` (dates default to the campaign's start).
"""

from __future__ import annotations

from xunzhi.ledgers.registry import Column, FigureFields, LedgerKind, register

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

register(
    LedgerKind(
        key="orgs",
        label="组织名册",
        model_label="organisations.Org",
        columns=(
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
        signature=("组织代码", "组织名称"),
        natural_key_fields=("code",),
        exporter="xunzhi.intake.exporters.OrgExporter",
        roster=True,
    )
)

register(
    LedgerKind(
        key="leaders",
        label="领导名册",
        model_label="organisations.Leader",
        columns=(
            Column("姓名", "name", "key", True, ("名字", "领导姓名", "人员姓名"), "张三"),
            Column("组织", "org", "org", True, ("所在单位", "所在组织", *_ORG_ALIASES), "某某镇"),
            Column("职务", "title", "text", False, ("现任职务", "职位"), "党委书记"),
            Column("职级", "rank", "choice:ranks", False, ("级别", "职务级别"), "乡科级"),
            Column("主要领导", "is_principal", "bool", False, ("是否主要领导",), "否"),
        ),
        signature=("姓名", "组织"),
        natural_key_fields=("org", "name"),
        exporter="xunzhi.intake.exporters.LeaderExporter",
        roster=True,
    )
)

register(
    LedgerKind(
        key="activities",
        label="活动台账",
        model_label="ledgers.Activity",
        columns=(
            Column(
                "日期",
                "date",
                "date",
                True,
                ("时间", "活动日期", "活动时间", "开展时间", "开展日期", "举办时间"),
            ),
            Column("组织", "org", "org", True, _ORG_ALIASES, "某某镇"),
            Column(
                "类型",
                "type",
                "choice:activity_types",
                True,
                ("活动类型", "活动形式", "形式", "类别"),
                label="活动类型",
            ),
            Column(
                "标题",
                "title",
                "text",
                True,
                ("活动名称", "活动主题", "主题", "名称", "活动内容", "内容"),
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
        signature=("日期", "组织", "类型", "标题"),
        list_columns=(
            ("date", "日期"),
            ("org__name", "组织"),
            ("type", "类型"),
            ("title", "标题"),
            ("participants", "参加人数"),
            ("leader__name", "主讲/带头领导"),
            ("beneficiaries", "受益人数"),
        ),
        type_field="type",
        date_field="date",
        search_fields=("title", "location", "note"),
        sum_fields=(("participants", "参加人数"), ("beneficiaries", "受益人数")),
        default_order="-date",
        select_related=("org", "leader"),
        form_fields=(
            "org",
            "date",
            "type",
            "title",
            "participants",
            "leader",
            "beneficiaries",
            "location",
            "tags",
            "note",
        ),
        figures=FigureFields(
            group_field="type", list_fields=(("location", "地点"), ("title", "标题"))
        ),
    )
)

register(
    LedgerKind(
        key="projects",
        label="办实事项目",
        model_label="ledgers.Project",
        columns=(
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
        signature=("项目名称", "责任单位", "重点领域"),
        list_columns=(
            ("name", "项目名称"),
            ("org__name", "责任单位"),
            ("leader__name", "领办领导"),
            ("field", "重点领域"),
            ("planned_date", "计划完成"),
            ("status", "状态"),
            ("done_date", "完成日期"),
            ("beneficiaries", "受益人数"),
        ),
        type_field="field",
        status_field="status",
        date_field="planned_date",
        search_fields=("name",),
        sum_fields=(("beneficiaries", "受益人数"),),
        select_related=("org", "leader"),
        form_fields=(
            "org",
            "name",
            "leader",
            "leader_rank",
            "field",
            "planned_date",
            "status",
            "done_date",
            "beneficiaries",
        ),
        figures=FigureFields(list_fields=(("name", "项目名称"),)),
    )
)

register(
    LedgerKind(
        key="problems",
        label="问题清单",
        model_label="ledgers.Problem",
        columns=(
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
        signature=("问题来源", "责任单位", "问题描述"),
        list_columns=(
            ("source", "问题来源"),
            ("org__name", "责任单位"),
            ("description", "问题描述"),
            ("category", "问题类别"),
            ("deadline", "整改时限"),
            ("status", "整改状态"),
            ("done_date", "完成日期"),
        ),
        type_field="source",
        status_field="status",
        date_field="deadline",
        search_fields=("description", "measures"),
        form_fields=(
            "org",
            "source",
            "description",
            "category",
            "measures",
            "deadline",
            "status",
            "done_date",
            "found_date",
        ),
        figures=FigureFields(group_field="source", list_fields=(("description", "问题描述"),)),
    )
)

register(
    LedgerKind(
        key="resources",
        label="资源台账",
        model_label="ledgers.Resource",
        columns=(
            Column(
                "类型",
                "type",
                "choice:resource_types",
                True,
                ("资源类型", "类别"),
                label="资源类型",
            ),
            Column("名称", "name", "text", True, ("资源名称", "名目"), "红色教育基地"),
            Column("组织", "org", "org", True, _ORG_ALIASES, "某某镇"),
            Column("数量", "quantity", "int", False, ("个数", "集数", "数目"), "1"),
            Column("负责领导", "leader", "leader", False, ("负责人", "领导")),
            Column("备注", "note", "text", False, ("说明",)),
        ),
        signature=("类型", "名称", "组织"),
        list_columns=(
            ("type", "类型"),
            ("name", "名称"),
            ("org__name", "组织"),
            ("quantity", "数量"),
            ("leader__name", "负责领导"),
        ),
        type_field="type",
        search_fields=("name", "note"),
        sum_fields=(("quantity", "数量"),),
        select_related=("org", "leader"),
        form_fields=("org", "type", "name", "quantity", "leader", "note"),
        figures=FigureFields(group_field="type", list_fields=(("name", "名称"),)),
    )
)

register(
    LedgerKind(
        key="values",
        label="填报数据",
        model_label="ledgers.ReportedValue",
        columns=(
            Column("组织", "org", "org", True, _ORG_ALIASES, "某某镇"),
            Column(
                "期间",
                "period",
                "period",
                True,
                ("时期", "月份", "统计期间", "填报期间"),
            ),
            Column(
                "指标",
                "item",
                "choice:value_items",
                True,
                ("指标名称", "填报指标", "项目"),
                label="填报指标",
            ),
            Column("数值", "value", "money", True, ("值", "数据", "数量", "填报值"), "12"),
        ),
        signature=("组织", "期间", "指标", "数值"),
        list_columns=(
            ("org__name", "组织"),
            ("period", "期间"),
            ("item", "指标"),
            ("value", "数值"),
        ),
        type_field="item",
        period_field="period",
        search_fields=("item",),
        sum_fields=(("value", "数值"),),
        default_order="-period_end",
        form_fields=("org", "period", "item", "value"),
        figures=FigureFields(group_field="item"),
    )
)

register(
    LedgerKind(
        key="visits",
        label="督导记录",
        model_label="ledgers.SupervisionVisit",
        columns=(
            Column("日期", "date", "date", True, ("督导日期", "时间", "督导时间")),
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
            Column(
                "方式",
                "method",
                "choice:visit_methods",
                True,
                ("督导方式", "指导方式"),
                label="督导方式",
            ),
            Column("发现问题", "findings", "text", False, ("问题", "存在问题")),
            Column("反馈意见", "feedback", "text", False, ("意见", "反馈")),
        ),
        signature=("日期", "督导组", "被督导单位", "方式"),
        list_columns=(
            ("date", "日期"),
            ("group_name", "督导组"),
            ("org__name", "被督导单位"),
            ("method", "方式"),
            ("findings", "发现问题"),
        ),
        type_field="method",
        date_field="date",
        search_fields=("findings", "feedback", "group_name"),
        default_order="-date",
        form_fields=("org", "date", "group_name", "method", "findings", "feedback"),
    )
)
