"""Report services: compose an evaluation report, write its files and its check sheet (数据核对表).

``report_compose`` computes figures and rules and fills the campaign's template into a
:class:`ReportDocument`; ``report_generate`` renders it (docx, html, md, pdf), writes the
check sheet and records a :class:`ReportVersion`. The CLI, the web app and background tasks
all call these two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jinja2
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from xunzhi.campaigns.levels import Level
from xunzhi.campaigns.models import Campaign
from xunzhi.figures.engine import Scope
from xunzhi.figures.services import FigureSet, RuleResult, figures_compute, rules_evaluate
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.reports.compose import document_compose, report_date_default
from xunzhi.reports.counties import counties_view
from xunzhi.reports.document import Block, ReportDocument, Run
from xunzhi.reports.models import Evaluation, ReportVersion
from xunzhi.reports.templating import template_environment

FORMATS = ("docx", "html", "md", "pdf")

EVALUATION_FIELDS = (
    "group_number",
    "group_title",
    "arrival_date",
    "city",
    "strategies",
    "brand",
    "lecture_places",
    "addressee",
    "signature",
    "sign_date",
    "until",
)


@dataclass
class ComposedReport:
    document: ReportDocument
    figures: FigureSet
    rules: list[RuleResult]
    evaluation: Evaluation


def evaluation_for(*, campaign: Campaign, unit: Org, **overrides: Any) -> Evaluation:
    """The stored evaluation of ``unit`` in ``campaign`` (unsaved defaults when there is none).

    ``overrides`` (fields of :class:`Evaluation`, ``None`` = keep) apply to this instance
    only; call :func:`evaluation_save` to store them.
    """
    evaluation = Evaluation.objects.filter(campaign=campaign, unit=unit).first()
    if evaluation is None:
        evaluation = Evaluation(campaign=campaign, unit=unit)
    for name, value in overrides.items():
        if name not in EVALUATION_FIELDS:
            raise UserError(f"评估设置没有“{name}”这一项。")
        if value is not None:
            setattr(evaluation, name, value)
    return evaluation


@transaction.atomic
def evaluation_save(*, evaluation: Evaluation) -> Evaluation:
    evaluation.full_clean(validate_unique=False)
    evaluation.save()
    return evaluation


def evaluation_group_title(*, evaluation: Evaluation, level: Level | None = None) -> str:
    """The guidance group's name: the evaluation's own, else the campaign's pattern
    (``[report].group_title``) filled with the group number and the unit's level words
    (市委第三巡回指导组; 省委第三巡回指导组 for a city)."""
    if evaluation.group_title.strip():
        return evaluation.group_title.strip()
    from xunzhi.campaigns.selectors import unit_level

    campaign = evaluation.campaign
    level = level or unit_level(campaign=campaign, unit=evaluation.unit)
    pattern = campaign.spec.report["group_title"]
    env = template_environment()
    try:
        return (
            env.from_string(pattern)
            .render(lv=level.words, number=evaluation.group_number.strip())
            .strip()
        )
    except jinja2.TemplateError as exc:
        raise UserError(f"活动定义文件 [report].group_title 写法有误：{exc}") from exc


def _evaluation_view(evaluation: Evaluation, figures: FigureSet) -> SimpleNamespace:
    """``ev`` in the template: the stored settings, ``group_title`` resolved and ``sign_date``
    the report's date (the stored one, else the default after the cut-off)."""
    values = {name: getattr(evaluation, name) for name in EVALUATION_FIELDS}
    spec = evaluation.campaign.spec
    values["sign_date"] = evaluation.sign_date or report_date_default(
        spec=spec, cutoff=figures.cutoff
    )
    values["group_title"] = evaluation_group_title(evaluation=evaluation, level=figures.level)
    return SimpleNamespace(**values)


def report_compose(*, evaluation: Evaluation, annex: bool = False) -> ComposedReport:
    """Figures, rules and the filled template of one evaluation; the document is self-checked.

    ``annex``: attach the scores of the units under the evaluated one (评估打分表) as 附件."""
    campaign, unit = evaluation.campaign, evaluation.unit
    spec = campaign.spec
    if not campaign.template_text.strip():
        raise UserError(f"活动“{campaign.name}”的定义文件没有指定报告模板（[campaign].template）。")
    scope = Scope.make(campaign=campaign, unit=unit, until=evaluation.until)
    figures = figures_compute(campaign=campaign, unit=unit, until=evaluation.until, scope=scope)
    rules = rules_evaluate(campaign=campaign, unit=unit, until=evaluation.until, scope=scope)
    document = document_compose(
        template_text=campaign.template_text,
        figures=figures,
        rules=rules,
        evaluation=_evaluation_view(evaluation, figures),
        unit_name=unit.name,
        campaign_name=campaign.name,
        campaign_settings=spec.settings,
        counties=counties_view(campaign=campaign, unit=unit, until=evaluation.until, scope=scope),
        meta={
            "campaign": campaign.code,
            "unit": unit.code,
            "cutoff": figures.cutoff.isoformat(),
        },
    )
    if annex:
        _annex_attach(document, evaluation=evaluation, level=figures.level)
    return ComposedReport(document=document, figures=figures, rules=rules, evaluation=evaluation)


def _annex_attach(document: ReportDocument, *, evaluation: Evaluation, level: Level | None) -> None:
    """The 评估打分表 as 附件, and its 附件说明 under the body (before the signature)."""
    from xunzhi.evaluation.annex import score_annex

    sub_units = level.words.get("sub_units", "") if level else ""
    annex = score_annex(
        campaign=evaluation.campaign,
        unit=evaluation.unit,
        until=evaluation.until,
        sub_units=sub_units,
    )
    note = Block("annex_note", [Run(f"{annex.label}：{annex.title}")])
    closing = next(
        (i for i, b in enumerate(document.blocks) if b.kind in ("signature", "date")),
        len(document.blocks),
    )
    document.blocks.insert(closing, note)
    document.annexes.append(annex)


def render(document: ReportDocument, fmt: str) -> bytes:
    """One rendering of the document, by the renderers of :mod:`xunzhi.reports.render`."""
    if fmt == "docx":
        from xunzhi.reports.render.docx import render_docx

        return render_docx(document)
    if fmt == "html":
        from xunzhi.reports.render.html import render_html

        return render_html(document).encode("utf-8")
    if fmt == "md":
        from xunzhi.reports.render.markdown import render_markdown

        return render_markdown(document).encode("utf-8")
    if fmt == "pdf":
        from xunzhi.reports.render.docx import render_docx
        from xunzhi.reports.render.pdf import render_pdf

        return render_pdf(render_docx(document))
    raise UserError(f"不支持的报告格式“{fmt}”，可选：{'、'.join(FORMATS)}。")


def _default_dir(evaluation: Evaluation) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S-%f")
    return Path(settings.DATA_DIR) / "reports" / evaluation.unit.code / stamp


def report_generate(
    *,
    evaluation: Evaluation,
    formats: tuple[str, ...] | list[str] = ("docx",),
    check_sheet: bool | str | Path = True,
    user: User | None = None,
    out_path: str | Path | None = None,
    annex: bool = False,
) -> ReportVersion:
    """Write the report in ``formats`` (and the check sheet) and record a :class:`ReportVersion`.

    ``out_path``: the file to write when one format is asked (default: a new folder under
    ``DATA_DIR/reports/``). ``check_sheet``: True (beside the report), a path, or False.
    """
    formats = tuple(dict.fromkeys(formats))
    for fmt in formats:
        if fmt not in FORMATS:
            raise UserError(f"不支持的报告格式“{fmt}”，可选：{'、'.join(FORMATS)}。")
    if out_path is not None and len(formats) != 1:
        raise UserError("指定输出文件时只能选择一种格式。")
    composed = report_compose(evaluation=evaluation, annex=annex)
    folder = _default_dir(evaluation)
    stem = f"{evaluation.unit.name}评估报告"
    paths: dict[str, str] = {}
    docx_bytes: bytes | None = None
    for fmt in formats:
        target = Path(out_path) if out_path is not None else folder / f"{stem}.{fmt}"
        if fmt == "pdf":
            from xunzhi.reports.render.docx import render_docx
            from xunzhi.reports.render.pdf import render_pdf

            docx_bytes = docx_bytes or render_docx(composed.document)
            data = render_pdf(docx_bytes)
        else:
            data = render(composed.document, fmt)
            if fmt == "docx":
                docx_bytes = data
        _write(target, data)
        paths[fmt] = str(target)
    sheet_path = ""
    if check_sheet:
        if isinstance(check_sheet, str | Path):
            target = Path(check_sheet)
        elif out_path is not None:
            target = Path(out_path).with_name(Path(out_path).stem + "-数据核对表.xlsx")
        else:
            target = folder / f"{evaluation.unit.name}数据核对表.xlsx"
        _write(target, report_check_sheet(composed=composed))
        sheet_path = str(target)
    with transaction.atomic():
        if evaluation.pk is None:
            evaluation.save()
        version = ReportVersion.objects.create(
            evaluation=evaluation,
            created_by=user if getattr(user, "pk", None) else None,
            until=evaluation.until,
            docx_path=paths.get("docx", ""),
            pdf_path=paths.get("pdf", ""),
            html_path=paths.get("html", ""),
            md_path=paths.get("md", ""),
            check_sheet_path=sheet_path,
            fired_rules=[r.code for r in composed.rules if r.fired],
            campaign_version=evaluation.campaign.version,
        )
    return version


def report_regenerate(
    *,
    version: ReportVersion,
    formats: tuple[str, ...] | list[str] = ("docx",),
    user: User | None = None,
    out_path: str | Path | None = None,
    check_sheet: bool | str | Path = False,
    annex: bool = False,
) -> ReportVersion:
    """Write ``version``'s report again with the campaign file and template that produced it and
    its cut-off (the evaluation's other settings as stored now); records a new version.

    ``annex``: with the 评估打分表 as 附件, scored by that campaign version's indicator system
    at that cut-off."""
    evaluation = version.evaluation
    if version.campaign_version is None:
        raise UserError(
            f"报告版本 {version.pk} 没有记录生成它的活动定义版本，无法按原版本重新生成。"
        )
    campaign_version = version.campaign_version
    evaluation.campaign = evaluation.campaign.at_version(campaign_version)
    evaluation.until = version.until
    return report_generate(
        evaluation=evaluation,
        formats=formats,
        check_sheet=check_sheet,
        user=user,
        out_path=out_path,
        annex=annex,
    )


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise UserError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc


def report_check_sheet(*, composed: ComposedReport) -> bytes:
    """The 数据核对表 (.xlsx): one row per figure, one sheet per rule with the units measured."""
    from xunzhi.reports.checksheet import check_sheet_build

    return check_sheet_build(composed)


DEMO_EVALUATION = {
    "group_number": "第三",
    "arrival_date": dt.date(2021, 3, 17),
    "until": dt.date(2021, 12, 31),
    "sign_date": dt.date(2022, 1, 10),
}


def report_demo_write(*, campaign: Campaign, unit: Org, folder: Path) -> ReportVersion:
    """The demo county's report (.docx) and check sheet, written into ``folder`` (``make demo``).

    The evaluation keeps any settings already stored; a new one gets the demo's group number,
    arrival date and cut-off.
    """
    evaluation = evaluation_for(campaign=campaign, unit=unit)
    if evaluation.pk is None:
        for name, value in DEMO_EVALUATION.items():
            setattr(evaluation, name, value)
        evaluation_save(evaluation=evaluation)
    folder = Path(folder)
    return report_generate(
        evaluation=evaluation,
        formats=("docx",),
        check_sheet=folder / f"{unit.name}数据核对表.xlsx",
        out_path=folder / f"{unit.name}评估报告.docx",
    )
