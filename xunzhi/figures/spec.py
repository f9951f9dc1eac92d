"""The figure and rule tables of a campaign file (format owned here; see docs/campaign-format.md)."""

from __future__ import annotations

from xunzhi.lib.errors import UserError

STYLES = ("exact", "多", "余", "万", "%")


def validate_campaign_figures(spec, *, source: str = "") -> None:
    """Refuse a campaign whose figures or rules are malformed, naming the entry."""
    seen: set[str] = set()
    for index, figure in enumerate(spec.figures, start=1):
        code = figure.get("code")
        if not code:
            raise UserError(f"活动定义文件 {source}：第 {index} 个 [[figures]] 缺少 code。")
        if code in seen:
            raise UserError(f"活动定义文件 {source}：数据项代码 {code} 重复。")
        seen.add(code)
        style = figure.get("style", "exact")
        if style not in STYLES:
            raise UserError(
                f"活动定义文件 {source}：数据项 {code} 的 style“{style}”无效，应为 {'、'.join(STYLES)}。"
            )
