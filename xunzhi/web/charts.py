"""Server-rendered SVG charts (pygal), no JavaScript: inlined into the page."""

from __future__ import annotations

import pygal
from django.utils.safestring import SafeString, mark_safe
from pygal.style import Style

FONT = "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei',sans-serif"

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#333",
    foreground_strong="#222",
    foreground_subtle="#888",
    opacity=".85",
    opacity_hover=".95",
    colors=("#c0392b", "#2e86c1", "#27ae60", "#f39c12", "#8e44ad", "#16a085"),
    font_family=FONT,
    label_font_family=FONT,
    major_label_font_family=FONT,
    value_font_family=FONT,
    value_label_font_family=FONT,
    tooltip_font_family=FONT,
    title_font_family=FONT,
    legend_font_family=FONT,
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    value_font_size=10,
    title_font_size=14,
)


def _config(**extra) -> dict:
    base = dict(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=640,
        height=320,
        margin=8,
        show_legend=False,
        print_values=False,
        explicit_size=False,
        no_data_text="暂无数据",
    )
    base.update(extra)
    return base


def _cjk_margin(labels: list[str]) -> int:
    """pygal sizes labels as Latin text (0.6 em a character); CJK characters take a full em."""
    longest = max((len(label) for label in labels), default=0)
    return int(0.45 * STYLE.label_font_size * longest) + 8


def _svg(chart) -> SafeString:
    svg = chart.render(is_unicode=True)
    return mark_safe(svg.replace("<svg ", '<svg class="xz-chart" role="img" ', 1))  # noqa: S308


def bar_chart(pairs: list[tuple[str, int]], *, title: str) -> SafeString:
    labels = [label for label, _ in pairs]
    chart = pygal.HorizontalBar(
        **_config(
            height=max(200, 26 * len(pairs) + 40),
            margin_left=_cjk_margin(labels),
            truncate_label=-1,
        )
    )
    chart.x_labels = [label for label, _ in pairs][::-1]
    chart.add(title, [n for _, n in pairs][::-1])
    return _svg(chart)


def line_chart(pairs: list[tuple[str, int]], *, title: str) -> SafeString:
    chart = pygal.Bar(**_config(x_label_rotation=-45))
    chart.x_labels = [label[2:] for label, _ in pairs]
    chart.add(title, [n for _, n in pairs])
    return _svg(chart)


def stacked_projects(rows: list[tuple[str, int, int]]) -> SafeString:
    chart = pygal.StackedBar(
        **_config(
            x_label_rotation=-30,
            truncate_label=-1,
            margin_bottom=_cjk_margin([f for f, _, _ in rows]) // 2,
        )
    )
    chart.x_labels = [f for f, _, _ in rows]
    chart.add("已完成", [d for _, _, d in rows])
    chart.add("未完成", [n - d for _, n, d in rows])
    return _svg(chart)


def problems_chart(counts: dict[str, int]) -> SafeString:
    chart = pygal.Bar(**_config(height=260, print_values=True))
    chart.x_labels = list(counts)
    chart.add("问题", list(counts.values()))
    return _svg(chart)


def reporting_chart(rows: list[dict]) -> SafeString:
    rows = sorted(rows, key=lambda r: r["share"])[:20]
    chart = pygal.HorizontalBar(
        **_config(
            width=1000,
            height=max(200, 20 * len(rows) + 40),
            margin_left=_cjk_margin([r["org"].name for r in rows]),
            truncate_label=-1,
            range=(0, 100),
            value_formatter=lambda v: f"{v:.0f}%",
        )
    )
    chart.x_labels = [r["org"].name for r in rows][::-1]
    chart.add("填报完整度", [round(r["share"] * 100, 1) for r in rows][::-1])
    return _svg(chart)
