"""The audit log's filter form (the unit is the page's ``unit`` parameter, checked like every
page's; the people offered are those in the user's scope)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from xunzhi.audit.selectors import WHAT_CHOICES, audit_actor_names, audit_model_choices
from xunzhi.organisations.models import Org


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(label="操作人", required=False)
    model = forms.ChoiceField(label="对象类型", required=False)
    what = forms.ChoiceField(
        label="操作", required=False, choices=[("", "全部操作"), *WHAT_CHOICES]
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, scope: Org, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = cast(forms.ChoiceField, self.fields["actor"])
        model = cast(forms.ChoiceField, self.fields["model"])
        actor.choices = [("", "全部操作人")] + [
            (name, name) for name in audit_actor_names(scope=scope)
        ]
        model.choices = [("", "全部类型"), *audit_model_choices()]
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class",
                "form-select form-select-sm"
                if isinstance(field, forms.ChoiceField)
                else "form-control form-control-sm",
            )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        fields = cleaned or {}
        start, end = fields.get("date_from"), fields.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return cleaned
