"""The editor's paragraphs as HTML, built in Python: a demo county's draft has a hundred small
forms (insert, move, delete, comment per paragraph), which the template engine renders five
times slower than string building. Every text is escaped here; the figure marks come from
:func:`xunzhi.drafts.selectors.block_html`, which escapes its own."""

from __future__ import annotations

from html import escape
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from xunzhi.drafts.selectors import EditorBlock

FRAME_END = ("signature", "date")


def _form(action: str, csrf: str, inner: str, cls: str = "") -> str:
    cls_attr = f' class="{cls}"' if cls else ""
    return (
        f'<form method="post" action="{action}"{cls_attr}>'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">{inner}</form>'
    )


def _tools(item: EditorBlock, url: str, csrf: str, *, may_edit: bool, may_review: bool) -> str:
    b = item.block
    parts = []
    if may_edit:
        if b.kind not in FRAME_END:
            parts.append(
                _form(
                    f"{url}insert/",
                    csrf,
                    '<textarea name="text" rows="2" class="form-control form-control-sm" '
                    'placeholder="在本段之后插入的新段落（纯文字）" required></textarea>'
                    '<button class="btn btn-sm btn-outline-primary mt-1" type="submit">插入段落</button>',
                    "xz-insert",
                )
            )
        row = []
        for flag, direction, label in (
            (item.movable_up, "up", "上移"),
            (item.movable_down, "down", "下移"),
        ):
            if flag:
                row.append(
                    _form(
                        f"{url}move/",
                        csrf,
                        f'<input type="hidden" name="direction" value="{direction}">'
                        f'<button class="btn btn-sm btn-outline-secondary" type="submit">{label}</button>',
                    )
                )
        if b.kind not in ("title", *FRAME_END):
            row.append(
                _form(
                    f"{url}delete/",
                    csrf,
                    f'<input type="hidden" name="version" value="{b.version}">'
                    '<button class="btn btn-sm btn-outline-danger" type="submit">删除本段</button>',
                    "xz-delete",
                )
            )
        parts.append(f'<div class="d-flex gap-1 mt-1">{"".join(row)}</div>')
    if may_review:
        parts.append(
            _form(
                f"{url.rsplit('blocks/', 1)[0]}review/",
                csrf,
                '<input type="hidden" name="action" value="comment">'
                f'<input type="hidden" name="block" value="{b.pk}">'
                '<textarea name="text" rows="2" class="form-control form-control-sm" '
                'placeholder="对本段的意见" required></textarea>'
                '<button class="btn btn-sm btn-outline-primary mt-1" type="submit">提意见</button>',
                "xz-comment-form mt-1",
            )
        )
    return f'<details class="xz-tools small"><summary>段落操作</summary>{"".join(parts)}</details>'


def blocks_html(
    items: list[EditorBlock], *, base: str, csrf: str, may_edit: bool, may_review: bool
) -> SafeString:
    csrf = escape(csrf)
    editable = ' contenteditable="true" spellcheck="false"' if may_edit else ""
    out = []
    for item in items:
        b = item.block
        url = f"{base}blocks/{b.pk}/"
        comments = "".join(
            f'<div class="xz-comment small"><strong>{escape(c.author.get_username() if c.author else "")}'
            f"</strong> {timezone.localtime(c.created_at):%m-%d %H:%M}：{escape(c.text)}</div>"
            for c in item.comments
        )
        tools = (
            _tools(item, url, csrf, may_edit=may_edit, may_review=may_review)
            if may_edit or may_review
            else ""
        )
        out.append(
            f'<div class="xz-block-wrap{" xz-has-comments" if item.comments else ""}" id="b{b.pk}">'
            f'<div class="xz-block {escape(b.kind)}{" xz-edited" if b.edited else ""}" '
            f'data-block="{b.pk}" data-version="{b.version}" data-url="{url}"{editable}>'
            f'{item.html}</div><div class="xz-status small" aria-live="polite"></div>'
            f"{comments}{tools}</div>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every text above is escaped


def _figure_form(r: dict[str, Any], base: str, csrf: str) -> str:
    o = r["override"]
    seen = escape(o.value if o else r["fig"]["text"])
    withdraw = ' <span class="text-muted">修订值留空保存即撤销修订。</span>' if o else ""
    return _form(
        f"{base}figures/{escape(r['key'])}/",
        csrf,
        f'<input type="hidden" name="seen" value="{seen}"><div class="row g-1">'
        '<div class="col-4"><input name="value" class="form-control form-control-sm" '
        'placeholder="修订值" maxlength="50" aria-label="修订值"></div>'
        '<div class="col-8"><input name="reason" class="form-control form-control-sm" '
        'placeholder="修订理由，如：含未入台账的县直单位活动" maxlength="200" aria-label="修订理由">'
        '</div></div><button class="btn btn-sm btn-outline-danger mt-1" type="submit">保存修订</button>'
        + withdraw,
        "xz-override mt-1",
    )


def figures_html(rows: list[dict[str, Any]], *, base: str, csrf: str, may_edit: bool) -> SafeString:
    """The side panel's figures: value, definition, any override with its reason, the form."""
    csrf = escape(csrf)
    out = []
    for r in rows:
        fig, o = r["fig"], r["override"]
        shown = (
            f'<s>{escape(fig["text"])}</s> <strong class="text-danger">{escape(o.value)}</strong>'
            if o
            else escape(fig["text"])
        )
        gone = "" if r["used"] else ' <span class="text-muted">（所在句子已删去）</span>'
        detail = (
            f'<div class="text-muted">{escape(fig.get("definition", ""))}；计算值 '
            f"{escape(str(fig.get('value') or '无'))}，来源记录 {fig.get('sources', 0)} 条。</div>"
        )
        if o:
            who = o.created_by.get_username() if o.created_by else ""
            detail += (
                f"<div>人工修订：{escape(o.computed)} → {escape(o.value)}，理由：{escape(o.reason)}"
                f"（{escape(who)}，{timezone.localtime(o.created_at):%Y-%m-%d %H:%M}）</div>"
            )
        if may_edit:
            detail += _figure_form(r, base, csrf)
        key = escape(r["key"])
        out.append(
            f'<details class="xz-figure-row" id="fig-{key}"{" open" if o else ""}><summary>'
            f'<span class="font-monospace">{key}</span> <span class="xz-fig-name">'
            f"{escape(fig.get('name', ''))}</span>：{shown}{gone}</summary>"
            f'<div class="ps-2">{detail}</div></details>'
        )
    return mark_safe("\n".join(out))  # noqa: S308 - every text above is escaped
