"""Forms of the instance list: the filters in the query string, and assigning to a reseller.

Apart from instances/forms.py so each page's forms stay small. No side effects here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Reseller, User
from core.forms import ErrorTextForm
from instances.list_paging import PAGE_SIZE, PAGE_SIZES, SORT_KEYS, BadCursor, Cursor
from instances.models import Instance
from instances.selectors import (
    DEFAULT_SORT,
    SHOW_CHOICES,
    InstanceFilters,
    state_from_key,
    state_key,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

IGNORED = gettext_lazy("Not a choice here, so it was ignored.")
BAD_CURSOR = gettext_lazy("That page link is broken or out of date, so the first page is shown.")
BAD_PAGE = gettext_lazy("That is not a page number, so the first page is shown.")
SEARCH_MAX = 100
# Page numbers past this are read as this one (the last page, in any real list): the database's
# OFFSET is a 64-bit integer, and a number of 5,000 digits is no reason for an error page.
PAGE_MAX = 10**6
# A page shows at most 500 instances; a larger list did not come from the page.
ASSIGN_MAX = max(PAGE_SIZES)
UNASSIGNED = "unassigned"


SORT_CHOICES: list[tuple[str, str | _StrPromise]] = [
    (DEFAULT_SORT, gettext_lazy("Newest first")),
    ("created", gettext_lazy("Oldest first")),
    ("name", gettext_lazy("Name, A to Z")),
    ("-name", gettext_lazy("Name, Z to A")),
    ("state", gettext_lazy("State, A to Z")),
    ("-state", gettext_lazy("State, Z to A")),
    ("-changed", gettext_lazy("State changed, latest first")),
    ("changed", gettext_lazy("State changed, oldest first")),
]
assert {key.lstrip("-") for key, _label in SORT_CHOICES} == set(SORT_KEYS)


def _choice(
    label: str | _StrPromise, choices: Sequence[tuple[str, str | _StrPromise]]
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, required=False, choices=choices, error_messages={"invalid_choice": IGNORED}
    )


@dataclass(frozen=True, slots=True)
class ShownField:
    """A filter as the bar shows it (templates/jinja2/instances/_filters.html): plain text."""

    name: str
    id: str
    label: str
    chosen: str  # the choice selected, or the text in the box
    choices: Sequence[tuple[str, str]] | None  # None: a text box, as below
    errors: Sequence[str]
    input_type: str = ""
    placeholder: str = ""
    max_length: int | None = None


@cache
def _choices(language: str | None, name: str) -> tuple[tuple[str, str], ...]:
    """A filter's fixed choices with their labels in `language`: a lazy label translates
    itself each time it is shown, and the bar shows forty on every list page."""
    field = InstanceFilterForm.base_fields[name]
    assert isinstance(field, forms.ChoiceField)
    with translation.override(language):
        choices = cast(Sequence[tuple[Any, Any]], field.choices)
        return tuple((str(value), str(label)) for value, label in choices)


@cache
def _label(language: str | None, name: str) -> str:
    with translation.override(language):
        return str(InstanceFilterForm.base_fields[name].label)


class InstanceFilterForm(forms.Form):
    """The list page's query string. A bad value is reported and ignored, never an error page."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=SEARCH_MAX,
        error_messages={
            # Django fills in the limit (MaxLengthValidator's `limit_value`).
            "max_length": gettext_lazy("Search for at most %(limit_value)d characters; ignored.")
        },
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("Id, name or phone"),
                "autocomplete": "off",
            }
        ),
    )
    state = _choice(
        gettext_lazy("State"),
        [("", gettext_lazy("Any state"))]
        + [(state_key(v), label) for v, label in Instance.State.choices],
    )
    messenger = _choice(
        gettext_lazy("Messenger"), [("", gettext_lazy("Any messenger")), *Instance.Type.choices]
    )
    reseller = _choice(gettext_lazy("Reseller"), [])
    show = _choice(gettext_lazy("Show"), list(SHOW_CHOICES))
    expired = _choice(
        gettext_lazy("Expiry"),
        [
            ("", pgettext_lazy("instances shown", "Expired or not")),
            ("yes", pgettext_lazy("instances shown", "Expired")),
            ("no", pgettext_lazy("instances shown", "Not expired")),
        ],
    )
    sort = _choice(gettext_lazy("Sort"), SORT_CHOICES)
    # Any other size is ignored for the default: never a page of a size someone typed.
    per_page = forms.TypedChoiceField(
        label=gettext_lazy("Per page"),
        required=False,
        choices=[(str(size), str(size)) for size in PAGE_SIZES],
        coerce=int,
        empty_value=None,
        initial=PAGE_SIZE,
        error_messages={"invalid_choice": IGNORED},
    )
    # Page cursors (instances/list_paging.py) and the page's number: hidden, so changing a
    # filter starts at page one. The number is sent by the "go to page" form (_pager.html).
    after = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    before = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        reseller_field = self.fields["reseller"]
        assert isinstance(reseller_field, forms.ChoiceField)
        # The resellers for the filter's choices and the assign bar's (`assign_options`).
        self.resellers: list[tuple[int, str, bool]] = []
        self.reseller_choices: list[tuple[str, str]] = []
        if user.is_staff_role:
            # One query, also used to validate: a ModelChoiceField would query twice.
            resellers = Reseller.objects.visible_to(user).order_by("name")
            self.resellers = list(resellers.values_list("pk", "name", "is_active"))
            self.reseller_choices = [
                ("", _("Any reseller")),
                (UNASSIGNED, _("Unassigned")),
                *(
                    (str(pk), name if active else _("%(name)s (inactive)") % {"name": name})
                    for pk, name, active in self.resellers
                ),
            ]
            reseller_field.choices = self.reseller_choices
        else:
            # A reseller user sees only their own instances: no reseller to choose.
            del self.fields["reseller"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A cursor holds a key of one sort; checked here so a bad one is reported, once.
        sort = cleaned.get("sort") or DEFAULT_SORT
        for name in ("after", "before"):
            token = cleaned.get(name) or ""
            try:
                if self.has_error(name):  # a NUL character, say
                    raise BadCursor(name)
                if token:
                    Cursor.decode(token, sort)
            except BadCursor:
                # A hidden field: the message goes above the form, and the page starts over.
                self.add_error(None, BAD_CURSOR)
                cleaned[name] = ""
                cleaned["page"] = None  # it numbered the cursor's page, now not shown
        if self.has_error("page"):
            self.add_error(None, BAD_PAGE)
        elif (cleaned.get("page") or 0) > PAGE_MAX:
            cleaned["page"] = PAGE_MAX
        return cleaned

    def assign_options(self) -> list[tuple[str, str]]:
        """The assign bar's choices: the active resellers, as `InstanceAssignForm` accepts them,
        from the filter's query (one query for both lists)."""
        field = InstanceAssignForm.base_fields["reseller"]
        assert isinstance(field, forms.ModelChoiceField)
        active = [(str(pk), name) for pk, name, is_active in self.resellers if is_active]
        return [("", str(field.empty_label)), *active]

    def shown_fields(self) -> list[ShownField]:
        """The visible filters with what each shows: a choice left out or ignored shows its
        default. Worked out here, as Django's bound fields would, at a fraction of the cost."""
        language = translation.get_language()
        shown = []
        for name, field in self.fields.items():
            if field.widget.is_hidden:
                continue
            errors = [str(message) for message in self.errors.get(name, ())]
            value = self.data.get(name) if self.is_bound else None
            choices: Sequence[tuple[str, str]] | None = None
            box: dict[str, Any] = {}
            if isinstance(field, forms.ChoiceField):
                # The reseller's choices are this user's resellers, made in __init__.
                choices = self.reseller_choices if name == "reseller" else _choices(language, name)
                if value is None or errors:
                    value = field.initial
            else:
                widget = field.widget
                box = {
                    "input_type": getattr(widget, "input_type", "text"),
                    "placeholder": str(widget.attrs.get("placeholder", "")),
                    "max_length": getattr(field, "max_length", None),
                }
            shown.append(
                ShownField(
                    name=name,
                    id=f"id_{name}",  # Django's default auto_id, which this form keeps
                    label=_label(language, name),
                    chosen="" if value is None else str(value),
                    choices=choices,
                    errors=errors,
                    **box,
                )
            )
        return shown

    def filters(self) -> InstanceFilters:
        """The valid part of the query; invalid fields fall back to their defaults."""
        self.is_valid()
        data = self.cleaned_data
        reseller = data.get("reseller") or ""
        expired = data.get("expired") or ""
        return InstanceFilters(
            q=data.get("q") or "",
            state=state_from_key(data["state"]) if data.get("state") else None,
            messenger=data.get("messenger") or "",
            reseller_id=int(reseller) if reseller.isdigit() else None,
            unassigned=reseller == UNASSIGNED,
            show=data.get("show") or "active",
            expired={"yes": True, "no": False}.get(expired),
            sort=data.get("sort") or DEFAULT_SORT,
            per_page=data.get("per_page") or PAGE_SIZE,
            after=data.get("after") or "",
            before=data.get("before") or "",
            page=data.get("page"),
        )


class InstanceIdsField(forms.Field):
    """A repeated `ids` parameter: instance ids, each 1 to 18 digits, duplicates dropped."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Select at least one instance."),
        "invalid": gettext_lazy("The selection held something that is not an instance id."),
        "too_many": gettext_lazy("Select at most %(max)s instances at once."),
    }

    def to_python(self, value: Any) -> list[int]:
        values = [value] if isinstance(value, str) else list(value or [])
        ids: dict[int, None] = {}
        for raw in values:
            text = str(raw).strip()
            if not text:
                continue  # an empty field is no selection, not a bad one
            # 18 digits always fit the database's 64-bit integer.
            if not (text.isascii() and text.isdigit() and len(text) <= 18):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids[int(text)] = None
        if len(ids) > ASSIGN_MAX:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": ASSIGN_MAX}
            )
        return list(ids)


class InstanceAssignForm(ErrorTextForm):
    """POST /instances/assign/: `ids` (repeated), `reseller` (a pk, or empty for none), `next`."""

    ids = InstanceIdsField()
    reseller = forms.ModelChoiceField(
        queryset=Reseller.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=gettext_lazy("Unassigned (no reseller)"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the active resellers.")},
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # An absent field is not the same as an empty one: only an explicit "" unassigns.
        if "reseller" not in self.data:
            self.add_error("reseller", _("Choose a reseller, or Unassigned."))
        return cleaned
