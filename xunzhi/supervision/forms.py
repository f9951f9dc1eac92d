"""The loop's forms: a finding, a submission, a 销号 and a return (each carrying the version)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from xunzhi.supervision.services import TEXT_LIMIT


def _area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "form-control"})


class FindingForm(forms.Form):
    description = forms.CharField(label="问题描述", max_length=TEXT_LIMIT, widget=_area(3))
    category = forms.ChoiceField(label="问题类别", required=False)
    deadline = forms.DateField(
        label="整改时限", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    measures = forms.CharField(
        label="整改要求", max_length=TEXT_LIMIT, required=False, widget=_area(2)
    )

    def __init__(self, *args: Any, categories: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["category"])
        field.choices = [("", "（不分类）")] + [(c, c) for c in categories]
        field.widget.attrs["class"] = "form-select"


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class SubmitForm(VersionForm):
    text = forms.CharField(
        label="整改情况",
        max_length=TEXT_LIMIT,
        widget=_area(5),
        help_text="写明采取的整改措施和完成情况。",
    )


class CloseForm(VersionForm):
    note = forms.CharField(label="销号意见", max_length=TEXT_LIMIT, required=False, widget=_area(2))


class ReturnForm(VersionForm):
    reason = forms.CharField(label="退回理由", max_length=TEXT_LIMIT, widget=_area(2))
