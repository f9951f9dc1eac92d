"""The demo county: a deterministic, realistic data set large enough to measure against.

``demo_generate(seed=1, scale="county")`` builds one county like the reference report's
(县委常委会 as the 领导班子, 25 townships, 40 departments, ~650 Party branches,
~30 000 members) and, over the campaign period, ~200 000 activities with seasonality,
~3 000 办实事 projects, ~8 000 problems (some overdue), registered resources, monthly
reported values (including the 政务服务 counts) and supervision visits. ``scale="city"``
builds ten such counties under one city, plus the city's own 市委常委会 (its 领导班子), its
市厅级 leaders and their work (seminars, meetings, lectures, 重点项目, study sites); the ten
counties are the same as without the city level. Some units are weak on purpose — few seminars,
no local tags, overdue problems, missing reports, no 征求意见 — so that every rule has
something to find. Same seed, same data: only ``random.Random(seed)`` decides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from xunzhi.campaigns.models import Campaign
from xunzhi.demo import names
from xunzhi.ledgers.models import (
    LEDGER_MODELS,
    Activity,
    Problem,
    Project,
    ReportedValue,
    Resource,
    SubmissionStatus,
    SupervisionVisit,
    ValueSubmission,
)
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Leader, Org, OrgKind, Rank

SCALES = ("county", "city")
GROUP_NAME = "市委第三巡回指导组"
BATCH = 5000

# Relative activity volume per month of the campaign (Feb 2021 … Jan 2022): the launch in
# spring, the peak around 七一, the 六中全会 in November, a quiet close.
MONTH_WEIGHTS = {
    (2021, 2): 0.3,
    (2021, 3): 1.0,
    (2021, 4): 1.3,
    (2021, 5): 1.3,
    (2021, 6): 1.6,
    (2021, 7): 1.5,
    (2021, 8): 0.8,
    (2021, 9): 0.9,
    (2021, 10): 1.0,
    (2021, 11): 1.3,
    (2021, 12): 1.0,
    (2022, 1): 0.6,
}

# Mean yearly count per Party branch, with (min, max) participants.
BRANCH_ACTIVITY_MIX: dict[str, tuple[float, tuple[int, int]]] = {
    "网络学习": (124, (8, 60)),
    "主题党日": (12, (10, 60)),
    "专题学习研讨": (7, (8, 40)),
    "读书班": (2, (10, 40)),
    "专题组织生活会": (2, (8, 40)),
    "座谈会": (6, (6, 30)),
    "宣讲": (22, (20, 150)),
    "调研": (7, (2, 8)),
    "参观学习": (10, (10, 60)),
    "文艺演出": (4, (50, 400)),
    "群众性文化活动": (30, (30, 300)),
    "比赛": (6, (10, 80)),
    "学校活动": (5, (30, 300)),
    "志愿服务": (62, (5, 30)),
    "征求意见": (4, (10, 60)),
    "经验总结": (2.5, (3, 15)),
}
UNIT_ACTIVITY_MIX: dict[str, tuple[float, tuple[int, int]]] = {
    "理论中心组学习": (12, (10, 30)),
    "专题学习研讨": (6, (10, 40)),
    "宣讲": (12, (50, 300)),
    "调研": (10, (3, 10)),
    "座谈会": (4, (10, 40)),
    "经验总结": (2, (5, 20)),
}


@dataclass
class DemoSummary:
    seed: int
    scale: str
    root_code: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def lines(self) -> list[str]:
        labels = {
            "orgs": "组织",
            "branches": "党支部",
            "members": "党员",
            "leaders": "领导",
            "activities": "活动",
            "projects": "办实事项目",
            "problems": "问题",
            "resources": "资源",
            "values": "填报数据",
            "visits": "督导记录",
        }
        head = (
            f"演示数据已生成（种子 {self.seed}，规模 {self.scale}，用时 {self.seconds:.1f} 秒）："
        )
        return [head, *(f"  {labels[k]}：{v:,}" for k, v in self.counts.items() if k in labels)]


@dataclass
class _Node:
    code: str
    name: str
    kind: str
    member_count: int = 0
    is_leading_body: bool = False
    children: list[_Node] = field(default_factory=list)
    saved: Org | None = None  # the unit, once the tree is written
    weak_seminars: bool = False
    weak_features: bool = False
    weak_problems: bool = False
    weak_reporting: bool = False
    no_consultation: bool = False
    village: str = ""

    @property
    def org(self) -> Org:
        if self.saved is None:
            raise RuntimeError(f"demo unit {self.code} used before the tree was written")
        return self.saved


def demo_generate(
    *, seed: int = 1, scale: str = "county", campaign: Campaign | None = None
) -> DemoSummary:
    """Replace all organisations and ledgers by the demo data of ``seed`` (one transaction)."""
    if scale not in SCALES:
        raise UserError(f"规模“{scale}”无效：只能是 county（一个县）或 city（一个市十个县）。")
    campaign = campaign or _builtin_campaign()
    started = time.perf_counter()
    rng = random.Random(seed)
    from xunzhi.audit.services import audit_suppressed

    # A generated county replaces everything at once: no audit entry per generated row.
    with transaction.atomic(), audit_suppressed():
        demo_clear()
        if scale == "county":
            root = _county_tree(rng, number=1, name=names.COUNTY_NAMES[0])
            _save_tree(root)
            _CountyFiller(rng, campaign, root).fill()
        else:
            root = city_tree(rng, code="C00", name=names.CITY_NAME, within="")
            _save_tree(root)
            city_fill(rng, campaign, root)
    from xunzhi.ledgers.services import ledger_changed

    ledger_changed.send(sender=None, kind="demo")
    summary = DemoSummary(seed=seed, scale=scale, root_code=root.code, counts=demo_counts(root.org))
    summary.seconds = time.perf_counter() - started
    return summary


def demo_clear() -> None:
    """Delete every ledger row, leader and organisation (the demo replaces the whole tree).

    Evaluations (and their report versions) name a unit and protect it, so they go first.
    """
    from xunzhi.reports.models import Evaluation

    Evaluation.objects.all().delete()
    ValueSubmission.objects.all().delete()
    Problem.objects.all().delete()
    for model in LEDGER_MODELS.values():
        model._default_manager.all().delete()
    Leader.objects.all().delete()
    Org.objects.all().delete()


def demo_counts(root: Org) -> dict[str, int]:
    orgs = Org.objects.in_subtree(root)
    counts = {
        "orgs": orgs.count(),
        "branches": orgs.filter(kind=OrgKind.BRANCH).count(),
        "members": sum(orgs.values_list("member_count", flat=True)),
        "leaders": Leader.objects.in_subtree(root).count(),
    }
    for kind, model in LEDGER_MODELS.items():
        counts[kind] = model.objects.in_subtree(root).count()
    return counts


def demo_checksum() -> str:
    """A digest of all demo content by natural keys (independent of primary keys and timestamps)."""
    digest = hashlib.sha256()
    queries = [
        Org.objects.order_by("path").values_list(
            "path", "code", "name", "kind", "member_count", "is_leading_body"
        ),
        Leader.objects.order_by("org__code", "name").values_list(
            "org__code", "name", "title", "rank", "is_principal"
        ),
        Activity.objects.order_by("org__code", "date", "type", "title").values_list(
            "org__code",
            "date",
            "type",
            "title",
            "participants",
            "leader__name",
            "beneficiaries",
            "location",
            "tags",
        ),
        Project.objects.order_by("org__code", "name").values_list(
            "org__code",
            "name",
            "leader__name",
            "leader_rank",
            "field",
            "planned_date",
            "status",
            "done_date",
            "beneficiaries",
        ),
        Problem.objects.order_by("org__code", "source", "description").values_list(
            "org__code",
            "source",
            "description",
            "category",
            "deadline",
            "status",
            "done_date",
        ),
        Resource.objects.order_by("org__code", "type", "name").values_list(
            "org__code", "type", "name", "quantity", "leader__name"
        ),
        ReportedValue.objects.order_by("org__code", "period", "item").values_list(
            "org__code", "period", "item", "value"
        ),
        SupervisionVisit.objects.order_by("org__code", "date", "method").values_list(
            "org__code", "date", "group_name", "method", "findings"
        ),
    ]
    for query in queries:
        for row in query.iterator(chunk_size=10000):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _builtin_campaign() -> Campaign:
    campaign = Campaign.objects.filter(code="dangshi-2021").first()
    if campaign is None:
        from xunzhi.campaigns.services import campaign_load_builtin

        campaign_load_builtin()
        campaign = Campaign.objects.get(code="dangshi-2021")
    return campaign


# --- the tree -------------------------------------------------------------------------------


def city_tree(rng: random.Random, *, code: str, name: str, within: str) -> _Node:
    """A city (``code``) with its 市委常委会 and the ten demo counties (codes ``{within}C01`` …)."""
    counties = [
        _county_tree(rng, number=i + 1, name=county_name, within=within)
        for i, county_name in enumerate(names.COUNTY_NAMES)
    ]
    return _Node(
        code=code,
        name=name,
        kind=OrgKind.CITY,
        children=[_city_leading_body(name, code=code), *counties],
    )


def city_fill(rng: random.Random, campaign: Campaign, city: _Node) -> None:
    """The ledgers of a saved :func:`city_tree`: each county's, then the city's own level."""
    counties = [n for n in city.children if n.kind == OrgKind.COUNTY]
    for county in counties:
        _CountyFiller(rng, campaign, county).fill()
    _CityFiller(rng, campaign, city, counties).fill()


def _county_tree(rng: random.Random, *, number: int, name: str, within: str = "") -> _Node:
    prefix = f"{within}C{number:02d}"
    county = _Node(code=prefix, name=name, kind=OrgKind.COUNTY)
    short = name.removesuffix("县")
    county.children.append(
        _Node(
            code=f"{prefix}L",
            name=f"{short}县委常委会",
            kind=OrgKind.COMMITTEE,
            member_count=len(names.STANDING_TITLES),
            is_leading_body=True,
        )
    )
    for d, dept_name in enumerate(names.DEPARTMENTS, start=1):
        full = dept_name.replace("县", f"{short}县", 1) if number > 1 else dept_name
        dept = _Node(code=f"{prefix}D{d:02d}", name=full, kind=OrgKind.DEPARTMENT)
        dept.weak_features = rng.random() < 0.25
        dept.weak_reporting = rng.random() < 0.12
        for b in range(1, rng.choice((1, 2, 2, 3, 3, 4)) + 1):
            label = "机关党支部" if b == 1 else f"第{'一二三四五'[b - 1]}党支部"
            dept.children.append(_branch(rng, f"{dept.code}B{b:02d}", f"{full}{label}"))
        county.children.append(dept)
    used_villages: set[str] = set()
    for t, town_name in enumerate(names.TOWNSHIPS, start=1):
        town = _Node(code=f"{prefix}T{t:02d}", name=town_name, kind=OrgKind.TOWNSHIP)
        town.weak_features = rng.random() < 0.3
        town.weak_reporting = rng.random() < 0.12
        town.children.append(_branch(rng, f"{town.code}B001", f"{town_name}机关党支部"))
        for b in range(2, rng.randint(18, 25) + 1):
            village = _village_name(rng, used_villages)
            kind_word = "社区" if b % 9 == 0 else "村"
            village = village[:-1] + kind_word if kind_word == "社区" else village
            node = _branch(rng, f"{town.code}B{b:03d}", f"{village}党支部")
            node.village = village
            town.children.append(node)
        county.children.append(town)
    return county


def _city_leading_body(city_name: str, *, code: str) -> _Node:
    return _Node(
        code=f"{code}L",
        name=f"{city_name.removesuffix('市')}市委常委会",
        kind=OrgKind.COMMITTEE,
        member_count=len(names.STANDING_TITLES),
        is_leading_body=True,
    )


def _branch(rng: random.Random, code: str, name: str) -> _Node:
    node = _Node(code=code, name=name, kind=OrgKind.BRANCH, member_count=rng.randint(18, 75))
    node.weak_seminars = rng.random() < 0.15
    node.weak_problems = rng.random() < 0.06
    node.no_consultation = rng.random() < 0.08
    return node


def _village_name(rng: random.Random, used: set[str]) -> str:
    while True:
        word = rng.choice(names.VILLAGE_FIRST) + rng.choice(names.VILLAGE_SECOND)
        candidate = f"{word}村"
        if candidate not in used:
            used.add(candidate)
            return candidate


def _save_tree(root: _Node) -> None:
    """Assign materialised paths ourselves and bulk-insert the whole tree, level by level."""
    next_root = Org.objects.get_last_root_node()
    index = 1 if next_root is None else int(next_root.path, 36) + 1
    level: list[tuple[_Node, str, int]] = [(root, Org._get_path(None, 1, index), 1)]
    while level:
        objs = []
        following: list[tuple[_Node, str, int]] = []
        for node, path, depth in level:
            kids = sorted(node.children, key=lambda n: n.code)
            node.saved = Org(
                path=path,
                depth=depth,
                numchild=len(kids),
                code=node.code,
                name=node.name,
                kind=node.kind,
                member_count=node.member_count,
                is_leading_body=node.is_leading_body,
            )
            objs.append(node.org)
            following.extend(
                (kid, Org._get_path(path, depth + 1, i), depth + 1)
                for i, kid in enumerate(kids, start=1)
            )
        Org.objects.bulk_create(objs, batch_size=BATCH)
        level = following
    # bulk_create does not set primary keys on every backend: read them back by code.
    ids = dict(Org.objects.in_subtree(root.org).values_list("code", "id"))
    stack = [root]
    while stack:
        node = stack.pop()
        node.org.id = ids[node.code]
        stack.extend(node.children)


# --- the ledgers of one county --------------------------------------------------------------


class _CountyFiller:
    def __init__(self, rng: random.Random, campaign: Campaign, county: _Node) -> None:
        self.rng = rng
        self.campaign = campaign
        self.county = county
        self.start = campaign.start_date
        self.end = campaign.end_date
        self.leading = next(n for n in county.children if n.is_leading_body)
        self.units = [
            n for n in county.children if n.kind in (OrgKind.TOWNSHIP, OrgKind.DEPARTMENT)
        ]
        self.townships = [n for n in self.units if n.kind == OrgKind.TOWNSHIP]
        self.departments = [n for n in self.units if n.kind == OrgKind.DEPARTMENT]
        self.branches = [b for u in self.units for b in u.children]
        months = [m for m in MONTH_WEIGHTS if self._month_in_campaign(m)]
        self.months = months
        self.month_weights = [MONTH_WEIGHTS[m] for m in months]
        self.used_people: set[tuple[int, str]] = set()
        self.sites = [
            f"{county.name.removesuffix('县')}{s.removeprefix('县')}" if s.startswith("县") else s
            for s in names.STUDY_SITES
        ]

    def fill(self) -> None:
        self._leaders()
        self._resources()
        self._activities()
        self._projects()
        visits = self._visits()
        self._problems(visits)
        self._values()

    # people

    def _person(self, org: Org) -> str:
        while True:
            name = self.rng.choice(names.SURNAMES) + "".join(
                self.rng.choice(names.GIVEN) for _ in range(self.rng.choice((1, 2)))
            )
            if (org.id, name) not in self.used_people:
                self.used_people.add((org.id, name))
                return name

    def _leaders(self) -> None:
        rows = []
        for title, principal in names.STANDING_TITLES:
            rows.append(
                Leader(
                    name=self._person(self.leading.org),
                    org=self.leading.org,
                    title=title,
                    rank=Rank.COUNTY,
                    is_principal=principal,
                )
            )
        for title in names.OTHER_COUNTY_TITLES:
            rows.append(
                Leader(
                    name=self._person(self.county.org),
                    org=self.county.org,
                    title=title,
                    rank=Rank.COUNTY,
                )
            )
        for unit in self.units:
            first = "党委书记" if unit.kind == OrgKind.TOWNSHIP else "党组书记"
            second = (
                "镇长"
                if unit.name.endswith("镇")
                else ("乡长" if unit.kind == OrgKind.TOWNSHIP else "局长")
            )
            for title in (first, second):
                rows.append(
                    Leader(
                        name=self._person(unit.org), org=unit.org, title=title, rank=Rank.TOWNSHIP
                    )
                )
        Leader.objects.bulk_create(rows, batch_size=BATCH)
        saved = list(Leader.objects.in_subtree(self.county.org).order_by("id"))
        self.principal = next(p for p in saved if p.is_principal)
        self.standing = [p for p in saved if p.org_id == self.leading.org.id and not p.is_principal]
        self.county_leaders = [p for p in saved if p.rank == Rank.COUNTY]
        self.unit_leaders: dict[int, list[Leader]] = {}
        for p in saved:
            self.unit_leaders.setdefault(p.org_id, []).append(p)

    # helpers

    def _month_in_campaign(self, month: tuple[int, int]) -> bool:
        first = dt.date(month[0], month[1], 1)
        return first <= self.end and _month_end(first) >= self.start

    def _date(self) -> dt.date:
        year, month = self.rng.choices(self.months, weights=self.month_weights)[0]
        first = max(dt.date(year, month, 1), self.start)
        last = min(_month_end(dt.date(year, month, 1)), self.end)
        return first + dt.timedelta(days=self.rng.randint(0, (last - first).days))

    def _count(self, mean: float) -> int:
        return max(0, int(round(self.rng.gauss(mean, mean * 0.25))))

    def _tags(self, unit: _Node, activity_type: str) -> str:
        tags = []
        share = 0.05 if unit.weak_features else 0.30
        if self.rng.random() < share:
            tags.append("本地特色" if unit.kind == OrgKind.TOWNSHIP else "行业特色")
        if self.rng.random() < (0.02 if unit.weak_features else 0.08):
            tags.append("自选动作")
        if activity_type == "网络学习":
            tags.append("线上")
        return f",{','.join(tags)}," if tags else ""

    # ledgers

    def _resources(self) -> None:
        rng = self.rng
        rows: list[Resource] = []
        propaganda = next(u for u in self.departments if u.name.endswith("宣传部"))

        def add(
            type_: str, name: str, org: Org, quantity: int = 1, leader: Leader | None = None
        ) -> None:
            rows.append(
                Resource(
                    campaign=self.campaign,
                    org=org,
                    type=type_,
                    name=name,
                    quantity=quantity,
                    leader=leader,
                )
            )

        for site in self.sites[:2]:
            add("学习参观点", site, propaganda.org)
        for unit in self.units:
            add("学习公众号", f"{unit.name}微平台", unit.org)
            if rng.random() < 0.45:
                add("宣讲队伍", f"{unit.name}党史宣讲团", unit.org)
            for i in range(rng.randint(1, 3)):
                add("志愿服务队", f"{unit.name}志愿服务队{'一二三'[i]}分队", unit.org)
            for i in range(rng.randint(2, 5)):
                add(
                    "调研课题",
                    f"关于{rng.choice(names.RESEARCH_TOPICS)}的调研（{unit.name}{i + 1}）",
                    unit.org,
                )
            if rng.random() < 0.4:
                add("党史故事", f"{unit.name}红色故事汇", unit.org)
            if unit.kind == OrgKind.TOWNSHIP and rng.random() < 0.5:
                add("文艺节目", f"{unit.name}快板《砥砺奋进100年》", unit.org)
        for branch in self.branches:
            if rng.random() < 0.8:
                add("微学群", f"{branch.name}微学群", branch.org)
            if rng.random() < 0.08:
                add("党史故事", f"{branch.name}党史故事", branch.org)
        add("文艺节目", "情景剧《学党史、悟思想、办实事、开新局》", propaganda.org)
        for i in range(rng.randint(8, 12)):
            add(
                "红色作品",
                f"红色微视频系列第{i + 1}季",
                propaganda.org,
                quantity=rng.randint(3, 20),
            )
        for i in range(rng.randint(30, 45)):
            leader = rng.choice(self.county_leaders)
            add("重点项目", f"县级重点项目{i + 1:02d}号", self.county.org, leader=leader)
        for i in range(rng.randint(10, 18)):
            leader = rng.choice(self.county_leaders)
            add("重点项目指挥部", f"重点项目指挥部{i + 1:02d}", self.county.org, leader=leader)
        Resource.objects.bulk_create(rows, batch_size=BATCH)

    def _activities(self) -> None:
        rng = self.rng
        rows: list[Activity] = []
        seq: dict[tuple[int, str], int] = {}

        def add(
            org: Org,
            unit: _Node,
            type_: str,
            participants: tuple[int, int],
            *,
            leader: Leader | None = None,
            location: str = "",
            date: dt.date | None = None,
        ) -> None:
            key = (org.id, type_)
            seq[key] = n = seq.get(key, 0) + 1
            topic = rng.choice(names.TOPICS)
            low, high = participants
            beneficiaries = rng.randint(20, 400) if type_ == "志愿服务" else 0
            rows.append(
                Activity(
                    campaign=self.campaign,
                    org=org,
                    date=date or self._date(),
                    type=type_,
                    title=f"{topic}{type_}（第{n}次）",
                    participants=rng.randint(low, high),
                    leader=leader,
                    beneficiaries=beneficiaries,
                    location=location,
                    tags=self._tags(unit, type_),
                )
            )
            if len(rows) >= BATCH:
                Activity.objects.bulk_create(rows)
                rows.clear()

        # The county committee's own work: seminars, meetings, lectures by its members.
        for _ in range(rng.randint(10, 16)):
            add(self.leading.org, self.leading, "专题学习研讨", (11, 40))
        for _ in range(rng.randint(28, 40)):
            add(self.leading.org, self.leading, "常委会会议", (11, 25))
        for _ in range(rng.randint(30, 50)):
            branch = rng.choice(self.branches)
            add(branch.org, branch, "宣讲", (30, 200), leader=rng.choice(self.standing))
        villages = [b for b in self.branches if b.village]
        for branch in rng.sample(villages, 4):
            add(
                branch.org,
                branch,
                "宣讲",
                (50, 200),
                leader=self.principal,
                location=branch.village,
            )
        # Township and department committees.
        for unit in self.units:
            factor = rng.uniform(0.7, 1.3)
            for type_, (mean, participants) in UNIT_ACTIVITY_MIX.items():
                for _ in range(self._count(mean * factor)):
                    add(unit.org, unit, type_, participants)
        # Party branches: the bulk of the ledger.
        for unit in self.units:
            for branch in unit.children:
                factor = rng.uniform(0.6, 1.4)
                for type_, (mean, participants) in BRANCH_ACTIVITY_MIX.items():
                    if type_ == "专题学习研讨" and branch.weak_seminars:
                        count = rng.randint(0, 3)
                    elif (
                        type_ == "征求意见"
                        and branch.no_consultation
                        or (
                            type_ == "学校活动"
                            and unit.kind == OrgKind.DEPARTMENT
                            and "教育" not in unit.name
                        )
                    ):
                        count = 0
                    else:
                        count = self._count(mean * factor)
                    for _ in range(count):
                        location = ""
                        if type_ == "参观学习":
                            location = (
                                rng.choice(self.sites[:2])
                                if rng.random() < 0.5
                                else rng.choice(["本村村史馆", "乡镇党建馆", "廉政教育基地"])
                            )
                        add(branch.org, unit, type_, participants, location=location)
        if rows:
            Activity.objects.bulk_create(rows)

    def _projects(self) -> None:
        rng, rows = self.rng, []
        fields = list(self.campaign.spec.project_fields)
        for unit in self.units:
            for branch in unit.children:
                for i in range(self._count(4.8)):
                    field_ = rng.choice(fields)
                    place = branch.village.removesuffix("村") or unit.name
                    template = rng.choice(names.PROJECT_TEMPLATES.get(field_, ["{v}{f}项目"]))
                    name = template.format(v=place, f=field_) + f"（{i + 1}）"
                    if rng.random() < 0.02:
                        leader, rank = rng.choice(self.county_leaders), Rank.COUNTY
                    elif rng.random() < 0.3:
                        leader, rank = rng.choice(self.unit_leaders[unit.org.id]), Rank.TOWNSHIP
                    else:
                        leader, rank = None, Rank.OTHER
                    planned = self.start + dt.timedelta(days=rng.randint(60, 330))
                    roll = rng.random()
                    lagging = branch.weak_problems or unit.weak_reporting
                    if roll < (0.70 if lagging else 0.90):
                        status = "已完成"
                        done = min(planned - dt.timedelta(days=rng.randint(0, 40)), self.end)
                        done = max(done, self.start + dt.timedelta(days=20))
                    elif roll < 0.97:
                        status, done = "推进中", None
                    else:
                        status, done = "未启动", None
                    rows.append(
                        Project(
                            campaign=self.campaign,
                            org=branch.org,
                            name=name,
                            leader=leader,
                            leader_rank=rank,
                            field=field_,
                            planned_date=planned,
                            status=status,
                            done_date=done,
                            beneficiaries=rng.randint(30, 3000),
                        )
                    )
        Project.objects.bulk_create(rows, batch_size=BATCH)

    def _visits(self) -> list[SupervisionVisit]:
        rng = self.rng
        rows: list[SupervisionVisit] = []
        methods = list(self.campaign.spec.visit_methods)
        targets = self.units + rng.sample(self.branches, 60)
        seen: set[tuple[int, dt.date, str]] = set()
        while len(rows) < 150:
            org = rng.choice(targets).org
            date = self.start + dt.timedelta(days=rng.randint(25, 300))
            method = rng.choice(methods)
            if (org.id, date, method) in seen:
                continue
            seen.add((org.id, date, method))
            finding = rng.choice(names.PROBLEM_TEXTS["督导发现"]) if rng.random() < 0.45 else ""
            rows.append(
                SupervisionVisit(
                    campaign=self.campaign,
                    org=org,
                    date=date,
                    group_name=GROUP_NAME,
                    method=method,
                    findings=finding,
                    feedback="已当场反馈，要求限期整改。" if finding else "工作扎实，继续保持。",
                )
            )
        SupervisionVisit.objects.bulk_create(rows, batch_size=BATCH)
        return list(
            SupervisionVisit.objects.in_subtree(self.county.org)
            .exclude(findings="")
            .order_by("date", "org__code", "method")
        )

    def _problems(self, visits: list[SupervisionVisit]) -> None:
        rng, rows = self.rng, []
        categories = list(self.campaign.spec.problem_categories)
        by_id = {b.org.id: b for b in self.branches} | {u.org.id: u for u in self.units}

        def add(
            org: Org,
            node: _Node | None,
            source: str,
            description: str,
            found: dt.date,
            visit: SupervisionVisit | None = None,
        ) -> None:
            weak = node is not None and node.weak_problems
            deadline = found + dt.timedelta(days=rng.randint(30, 120))
            roll = rng.random()
            if roll < (0.45 if weak else 0.88):
                status, done = (
                    "已整改",
                    min(deadline - dt.timedelta(days=rng.randint(0, 20)), self.end),
                )
                done = max(done, found)
            elif roll < (0.75 if weak else 0.96):
                status, done = "整改中", None
            else:
                status, done = "未整改", None
            rows.append(
                Problem(
                    campaign=self.campaign,
                    org=org,
                    source=source,
                    description=description,
                    category=rng.choice(categories),
                    measures="制定整改方案，明确责任人和完成时限。",
                    deadline=deadline,
                    status=status,
                    done_date=done,
                    found_date=found,
                    visit=visit,
                )
            )

        for node in self.units + self.branches:
            texts = names.PROBLEM_TEXTS["组织查摆"]
            for text in rng.sample(texts, rng.randint(2, 4)):
                add(node.org, node, "组织查摆", text, self._date_between((2021, 5), (2021, 12)))
        for branch in self.branches:
            people = max(2, branch.member_count // 6)
            for _ in range(self._count(people * 1.2)):
                person = self._person(branch.org)
                text = rng.choice(names.PROBLEM_TEXTS["个人查摆"])
                add(
                    branch.org,
                    branch,
                    "个人查摆",
                    f"{text}（党员{person}）",
                    self._date_between((2021, 5), (2021, 12)),
                )
        for visit in visits:
            add(
                visit.org,
                by_id.get(visit.org_id),
                "督导发现",
                f"{visit.findings}（{visit.date:%Y年%m月%d日}{visit.method}）",
                visit.date,
                visit=visit,
            )
        for branch in rng.sample(self.branches, 250):
            text = rng.choice(names.PROBLEM_TEXTS["群众反映"])
            add(
                branch.org,
                branch,
                "群众反映",
                f"{branch.village or branch.name}{text}",
                self._date_between((2021, 4), (2021, 12)),
            )
        Problem.objects.bulk_create(rows, batch_size=BATCH)

    def _date_between(self, first: tuple[int, int], last: tuple[int, int]) -> dt.date:
        a = dt.date(first[0], first[1], 1)
        b = _month_end(dt.date(last[0], last[1], 1))
        return a + dt.timedelta(days=self.rng.randint(0, (b - a).days))

    def _values(self) -> None:
        rng, rows, submissions = self.rng, [], []
        periods = [m for m in self.months if dt.date(m[0], m[1], 1) >= dt.date(2021, 3, 1)]
        last = periods[-1]

        def add(org: Org, year_month: tuple[int, int], item: str, value: float) -> None:
            first = dt.date(year_month[0], year_month[1], 1)
            rows.append(
                ReportedValue(
                    campaign=self.campaign,
                    org=org,
                    period=f"{first:%Y-%m}",
                    period_end=_month_end(first),
                    item=item,
                    value=Decimal(int(value)),
                )
            )

        office = next(u for u in self.departments if u.name.endswith("组织部"))
        for ym in periods:
            add(office.org, ym, "专班抽调人数", 20 + rng.randint(0, 3) if ym != periods[0] else 18)
        approvals = next(u for u in self.departments if u.name.endswith("行政审批局"))
        total = rng.randint(1100, 1400)
        for i, ym in enumerate(periods):
            progress = (i + 1) / len(periods)
            applied = total
            online = int(applied * (0.90 + 0.095 * progress))
            approvals_total = int(total * 0.62)
            full_online = int(approvals_total * (0.80 + 0.15 * progress))
            licences = int(total * 0.35)
            zero_trip = int(licences * (0.75 + 0.2 * progress))
            immediate = int(total * (0.55 + 0.2 * progress))
            shortened = int(total * (0.70 + 0.2 * progress))
            web_done = int(total * (0.60 + 0.25 * progress))
            for item, value in (
                ("依申请政务服务事项数", applied),
                ("网上可办事项数", online),
                ("审批服务事项数", approvals_total),
                ("全流程网上可办事项数", full_online),
                ("行政许可事项数", licences),
                ("一趟不用跑事项数", zero_trip),
                ("政务服务事项总数", total),
                ("即办事项数", immediate),
                ("减时限事项数", shortened),
                ("全流程网办事项数", web_done),
            ):
                add(approvals.org, ym, item, value)
        for unit in self.units:
            posts = 0
            for ym in periods:
                if ym == last and unit.weak_reporting:
                    continue  # missing report for the last period, on purpose
                add(unit.org, ym, "网络学习人次", rng.randint(300, 2500))
                add(unit.org, ym, "解决群众困难问题件数", rng.randint(2, 40))
                if unit.kind == OrgKind.TOWNSHIP:
                    posts += rng.randint(5, 30)
                    add(unit.org, ym, "在职党员认领岗位数", posts)
        ReportedValue.objects.bulk_create(rows, batch_size=BATCH)
        reported = {(v.org_id, v.period) for v in rows}
        for org_id, period in sorted(reported):
            status = (
                SubmissionStatus.SUBMITTED
                if period == f"{last[0]}-{last[1]:02d}"
                else SubmissionStatus.APPROVED
            )
            submissions.append(
                ValueSubmission(campaign=self.campaign, org_id=org_id, period=period, status=status)
            )
        ValueSubmission.objects.bulk_create(submissions, batch_size=BATCH)


class _CityFiller:
    """The city's own level: 市委常委会 and its members (市厅级), their seminars, meetings and
    lectures in the counties, 重点项目 they lead, the city's study sites and its task force.
    Runs after the counties, so the counties' data is the same as in a county-only demo."""

    def __init__(
        self, rng: random.Random, campaign: Campaign, city: _Node, counties: list[_Node]
    ) -> None:
        self.rng = rng
        self.campaign = campaign
        self.city = city
        self.leading = next(n for n in city.children if n.is_leading_body)
        self.counties = counties
        self.helper = _CountyFiller(rng, campaign, counties[0])  # dates and people
        self.branches = [
            b for county in counties for u in county.children for b in u.children if b.village
        ]

    def fill(self) -> None:
        rng, helper, short = self.rng, self.helper, self.city.name.removesuffix("市")
        leaders = [
            Leader(
                name=helper._person(self.leading.org),
                org=self.leading.org,
                title=title.replace("县", "市"),
                rank=Rank.BUREAU,
                is_principal=principal,
            )
            for title, principal in names.STANDING_TITLES
        ]
        Leader.objects.bulk_create(leaders)
        saved = list(Leader.objects.filter(org=self.leading.org).order_by("id"))
        principal = next(p for p in saved if p.is_principal)
        members = [p for p in saved if not p.is_principal]
        rows: list[Activity] = []

        def add(
            org: Org,
            type_: str,
            low: int,
            high: int,
            *,
            leader: Leader | None = None,
            location: str = "",
        ) -> None:
            rows.append(
                Activity(
                    campaign=self.campaign,
                    org=org,
                    date=helper._date(),
                    type=type_,
                    title=f"{rng.choice(names.TOPICS)}{type_}（市委常委会第{len(rows) + 1}次）",
                    participants=rng.randint(low, high),
                    leader=leader,
                    location=location,
                )
            )

        for _ in range(rng.randint(12, 16)):
            add(self.leading.org, "专题学习研讨", 11, 40)
        for _ in range(rng.randint(30, 40)):
            add(self.leading.org, "常委会会议", 11, 25)
        for _ in range(rng.randint(40, 60)):
            branch = rng.choice(self.branches)
            add(branch.org, "宣讲", 50, 200, leader=rng.choice(members))
        for branch in rng.sample(self.branches, 3):
            add(branch.org, "宣讲", 80, 300, leader=principal, location=branch.village)
        sites = [f"{short}市革命历史纪念馆", f"{short}党史教育基地"]
        for _ in range(rng.randint(1500, 2000)):
            branch = rng.choice(self.branches)
            add(branch.org, "参观学习", 10, 60, location=rng.choice(sites))
        Activity.objects.bulk_create(rows, batch_size=BATCH)
        resources = [
            Resource(campaign=self.campaign, org=self.city.org, type="学习参观点", name=site)
            for site in sites
        ]
        for type_, pattern, low, high in (
            ("重点项目", "市级重点项目{:02d}号", 20, 30),
            ("重点项目指挥部", "市级重点项目指挥部{:02d}", 8, 12),
        ):
            resources += [
                Resource(
                    campaign=self.campaign,
                    org=self.city.org,
                    type=type_,
                    name=pattern.format(i + 1),
                    leader=rng.choice(saved),
                )
                for i in range(rng.randint(low, high))
            ]
        Resource.objects.bulk_create(resources, batch_size=BATCH)
        projects = []
        for i in range(rng.randint(20, 30)):
            planned = self.campaign.start_date + dt.timedelta(days=rng.randint(90, 300))
            projects.append(
                Project(
                    campaign=self.campaign,
                    org=self.leading.org,
                    name=f"市领导领办民生项目{i + 1:02d}号",
                    leader=rng.choice(saved),
                    leader_rank=Rank.BUREAU,
                    field=rng.choice(list(self.campaign.spec.project_fields)),
                    planned_date=planned,
                    status="已完成",
                    done_date=planned - dt.timedelta(days=rng.randint(0, 30)),
                    beneficiaries=rng.randint(1000, 20000),
                )
            )
        Project.objects.bulk_create(projects, batch_size=BATCH)
        values = []
        for month in range(3, 13):
            first = dt.date(2021, month, 1)
            values.append(
                ReportedValue(
                    campaign=self.campaign,
                    org=self.city.org,
                    period=f"{first:%Y-%m}",
                    period_end=_month_end(first),
                    item="专班抽调人数",
                    value=Decimal(30 + rng.randint(0, 4)),
                )
            )
        ReportedValue.objects.bulk_create(values, batch_size=BATCH)


def _month_end(first: dt.date) -> dt.date:
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)
