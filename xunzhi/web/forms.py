"""Forms: every organisation or leader field is limited to the user's scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db.models import QuerySet
from django.forms import modelform_factory

from xunzhi.campaigns.models import Campaign
from xunzhi.intake.services import kind_choices
from xunzhi.ledgers.selectors import KINDS
from xunzhi.ledgers.services import CHOICE_FIELDS, campaign_months, ledger_model
from xunzhi.organisations.models import Leader, Org, OrgKind, Rank
from xunzhi.web.models import Role
from xunzhi.web.scope import AnyUser, user_scope


class OrgChoiceField(forms.ModelChoiceField[Org]):
    def label_from_instance(self, obj: Org) -> str:
        return f"{'　' * max(0, obj.depth - 1)}{obj.name}"


def _limit(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Narrow a model-choice field to ``queryset`` (the user's scope)."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a model choice field")
    field.queryset = queryset


def _bootstrap(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class PasswordForm(PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


_DATE_FIELDS = {"date", "planned_date", "done_date", "deadline", "found_date"}


#: A ledger's form class: a model form that also takes the user (scope) and the campaign.
LedgerFormClass = Callable[..., forms.ModelForm[Any]]


def ledger_form_class(kind: str) -> LedgerFormClass:
    model = ledger_model(kind)
    conf = KINDS[kind]
    widgets: dict[str, type[forms.Widget] | forms.Widget] = {
        name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for name in conf.form_fields
        if name in _DATE_FIELDS
    }
    for name in ("description", "measures", "findings", "feedback", "note"):
        if name in conf.form_fields:
            widgets[name] = forms.Textarea(attrs={"rows": 3})
    base = modelform_factory(model, fields=list(conf.form_fields), widgets=widgets)

    class LedgerForm(base):  # type: ignore[valid-type,misc]  # a class made at run time
        version = forms.IntegerField(widget=forms.HiddenInput, required=False)

        def __init__(self, *args: Any, user: AnyUser, campaign: Campaign, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fields["org"] = OrgChoiceField(
                queryset=Org.objects.visible_to(user),
                label=str(getattr(model._meta.get_field("org"), "verbose_name", "组织")),
            )
            if "leader" in self.fields:
                leaders = Leader.objects.visible_to(user).select_related("org")
                _limit(self, "leader", leaders.order_by("org__path", "name"))
            spec = campaign.spec
            for name, (attr, _label) in CHOICE_FIELDS.get(kind, {}).items():
                if name in self.fields:
                    field = self.fields[name]
                    choices = [(c, c) for c in getattr(spec, attr)]
                    if not field.required:
                        choices = [("", "—")] + choices
                    self.fields[name] = forms.ChoiceField(
                        label=field.label, choices=choices, required=field.required
                    )
            if "period" in self.fields:
                months = campaign_months(campaign)
                self.fields["period"] = forms.ChoiceField(
                    label="期间", choices=[(m, m) for m in months] + [("全程", "全程")]
                )
            if self.instance.pk:
                self.fields["version"].initial = self.instance.version
            _bootstrap(self)

    return LedgerForm


class ValueReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs={"rows": 2}))


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="台账类型", required=False)

    def __init__(self, *args: Any, rosters: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(k, label) for k, label in kind_choices() if rosters or k in KINDS]
        field = self.fields["kind"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [("", "自动识别"), *choices]
        _bootstrap(self)


class UserForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50, required=False)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    scope = OrgChoiceField(label="管理范围", queryset=Org.objects.none())
    password = forms.CharField(
        label="密码",
        required=False,
        widget=forms.PasswordInput,
        help_text="新用户必填；留空则不修改。",
    )

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, "scope", Org.objects.visible_to(user))
        _bootstrap(self)


class OrgForm(forms.Form):
    code = forms.CharField(label="组织代码", max_length=32)
    name = forms.CharField(label="组织名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=OrgKind.choices)
    member_count = forms.IntegerField(label="党员数", min_value=0, initial=0)
    parent = OrgChoiceField(label="上级组织", queryset=Org.objects.none())

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, "parent", Org.objects.visible_to(user))
        _bootstrap(self)


class OrgEditForm(forms.Form):
    name = forms.CharField(label="组织名称", max_length=100)
    kind = forms.ChoiceField(label="类型", choices=OrgKind.choices)
    member_count = forms.IntegerField(label="党员数", min_value=0)
    is_leading_body = forms.BooleanField(
        label="领导班子", required=False, help_text="如县委常委会：其活动计入 F01、F09、F11。"
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class ReportForm(forms.Form):
    unit = OrgChoiceField(label="被评估单位", queryset=Org.objects.none())
    until = forms.DateField(
        label="数据截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="留空则统计到活动结束。",
    )
    group_number = forms.CharField(
        label="指导组序号", max_length=10, required=False, help_text="中文数字，如“第三”。"
    )
    group_title = forms.CharField(
        label="指导组名称",
        max_length=60,
        required=False,
        help_text="留空则由序号生成，如“市委第三巡回指导组”。",
    )
    arrival_date = forms.DateField(
        label="入驻日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    city = forms.CharField(label="所在市", max_length=30, required=False, help_text="不含“市”字。")
    strategies = forms.CharField(
        label="发展战略",
        max_length=100,
        required=False,
        help_text="如“工业强市、生态立市”；留空则删去该句。",
    )
    brand = forms.CharField(label="发展品牌", max_length=50, required=False)
    lecture_places = forms.CharField(label="主要领导宣讲地点", max_length=100, required=False)
    addressee = forms.CharField(label="主送机关", max_length=100, required=False)
    signature = forms.CharField(label="署名机关", max_length=100, required=False)
    sign_date = forms.DateField(
        label="成文日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    pdf = forms.BooleanField(label="同时生成 PDF", required=False)
    annex = forms.BooleanField(label="附评估打分表（附件）", required=False)

    def __init__(
        self, *args: Any, user: AnyUser, pdf: bool, can_settings: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        scope = user_scope(user)
        _limit(self, "unit", Org.objects.visible_to(user).filter(depth__lte=scope.depth + 1))
        if not pdf:
            del self.fields["pdf"]
        if not can_settings:
            for name in list(self.fields):
                if name not in ("unit", "until", "pdf", "annex"):
                    self.fields[name].disabled = True
        _bootstrap(self)


class LeaderForm(forms.Form):
    org = OrgChoiceField(label="组织", queryset=Org.objects.none())
    name = forms.CharField(label="姓名", max_length=50)
    title = forms.CharField(label="职务", max_length=100, required=False)
    rank = forms.ChoiceField(label="职级", choices=Rank.choices)
    is_principal = forms.BooleanField(label="主要领导", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, user: AnyUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit(self, "org", Org.objects.visible_to(user))
        _bootstrap(self)
