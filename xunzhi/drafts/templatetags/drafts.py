"""``{% drafts_panel %}``: the report page's list of drafts and 定稿 (drafts and 定稿 first)."""

from __future__ import annotations

from typing import Any

from django import template

from xunzhi.drafts.rights import can_draft, drafts_visible
from xunzhi.drafts.selectors import draft_figure_changes, drafts_grouped

register = template.Library()


@register.inclusion_tag("drafts/_panel.html", takes_context=True)
def drafts_panel(context: Any) -> dict[str, Any]:
    user = context["request"].user
    groups = drafts_grouped(drafts_visible(user)[:60])
    if can_draft(user):
        # the open drafts whose figures differ from the data now (a few, newest first)
        open_drafts = sorted(
            (d for _, drafts in groups for d in drafts if d.editable), key=lambda d: -d.pk
        )
        for d in open_drafts[:5]:
            setattr(d, "changes", draft_figure_changes(d))  # noqa: B010 - read by the template
    return {
        "groups": groups,
        "may_draft": can_draft(user),
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag(takes_context=True)
def may_draft(context: Any) -> bool:
    return can_draft(context["request"].user)
