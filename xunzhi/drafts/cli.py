"""The command line over drafts: ``xunzhi report --from-draft N`` and ``xunzhi report-diff A B``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xunzhi.drafts.compare import (
    Side,
    comparison_docx,
    draft_side,
    parse_ref,
    version_side,
    versions_compare,
)
from xunzhi.drafts.models import Draft
from xunzhi.drafts.output import FORMATS, draft_file, file_name
from xunzhi.lib.errors import UserError


def _write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise UserError(f"无法写入文件 {path}：{exc.strerror or exc}") from exc


def draft_get(pk: int) -> Draft:
    draft = Draft.objects.select_related("unit").filter(pk=pk).first()
    if draft is None:
        raise UserError(f"没有第 {pk} 号草稿或定稿（网页“评估报告”页列出了全部草稿的编号）。")
    return draft


def report_from_draft(options: dict[str, Any]) -> Iterator[str]:
    """Write draft N (and its check sheet when asked) as the options of ``xunzhi report`` say.

    ``--annex`` is refused: a draft is edited (and a 定稿 approved) text over a snapshot of the
    figures, while the 评估打分表 would be scored now; the two could disagree, and a 定稿
    would print an attachment nobody reviewed."""
    if options.get("annex"):
        raise UserError(
            "--annex 不能与 --from-draft 同用：草稿和定稿是人工修改、审定过的文字，数据是草稿计算时"
            "的快照，不带评估打分表附件；附件要按现在的数据重新评分，可能与草稿的数据不一致。"
            "请去掉 --annex，或不用 --from-draft、直接用 xunzhi report --annex 生成带附件的报告。"
        )
    draft = draft_get(options["from_draft"])
    output = Path(options["output"]) if options["output"] else None
    fmt = options["format"] or (output.suffix.lower().lstrip(".") if output else "docx")
    if fmt not in FORMATS or fmt == "xlsx":
        raise UserError(f"草稿只能写成 docx、pdf 或 html，不能写成“{fmt}”。")
    target = output or Path.cwd() / file_name(draft, fmt)
    _write(target, draft_file(draft, fmt))
    yield f"评估报告（{draft.get_state_display()}第 {draft.pk} 号，{fmt}）：{target}"
    if options.get("check_sheet"):
        sheet = Path(options["check_sheet"])
        _write(sheet, draft_file(draft, "xlsx"))
        yield f"数据核对表：{sheet}"


def side_of(ref: str) -> Side:
    kind, pk = parse_ref(ref)
    if kind == "draft":
        return draft_side(draft_get(pk))
    from xunzhi.reports.models import ReportVersion

    version = ReportVersion.objects.select_related("evaluation__unit").filter(pk=pk).first()
    if version is None:
        raise UserError(f"没有第 {pk} 号生成版本。")
    return version_side(version)


def report_diff(a: str, b: str, output: str | None) -> Iterator[str]:
    cmp = versions_compare(a=side_of(a), b=side_of(b))
    yield f"{cmp.a.label} → {cmp.b.label}：{cmp.changes} 处不同"
    marks = {"del": "[-{}-]", "ins": "{{+{}+}}", "same": "{}"}
    for row in cmp.rows:
        if row.op == "equal":
            continue
        segments = (
            row.a + [s for s in row.b if s[0] == "ins"] if row.op == "replace" else row.a or row.b
        )
        yield "  " + "".join(marks[m].format(t) for m, t in segments)
    for key, x, y in cmp.figures:
        yield f"  数据 {key}：{x} → {y}"
    if output:
        _write(Path(output), comparison_docx(cmp))
        yield f"比较结果（Word，修订标记）：{output}"
