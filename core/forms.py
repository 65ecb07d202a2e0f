"""Small pieces shared by the portal's forms: the empty choice's label, ISO dates, error text."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from django import forms
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# What a select shows before anything is chosen, instead of Django's "---------".
EMPTY_LABEL = _("Choose…")
_DASHES = BLANK_CHOICE_DASH[0][1]

# The one date format of the portal's inputs, as its tables print dates.
ISO_DATE_FORMAT = "%Y-%m-%d"
ISO_DATE_HINT = _("YYYY-MM-DD")
# Dates outside these years are typos, and date arithmetic at the edges would overflow.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2999, 12, 31)


def choose_labels(form: forms.BaseForm) -> None:
    """Give every select of `form` the portal's empty label where Django would show dashes.

    Labels a form chose itself ("Any state", "Unassigned") are kept.
    """
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label == _DASHES:
                field.empty_label = EMPTY_LABEL
        elif isinstance(field, forms.ChoiceField):
            choices = list(cast(Iterable[tuple[Any, Any]], field.choices))
            if any(label == _DASHES for _value, label in choices):
                field.choices = [
                    (value, EMPTY_LABEL if label == _DASHES else label) for value, label in choices
                ]


class ChooseLabelMixin:
    """For every portal form, plain or model: see `choose_labels`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert isinstance(self, forms.BaseForm)
        choose_labels(self)


class PortalForm(ChooseLabelMixin, forms.Form):
    """The base of the portal's forms."""


class SearchForm(PortalForm):
    """A list page's search box (and a subclass's filters), read from its query string."""

    q = forms.CharField(
        label=pgettext_lazy("search field", "Search"), required=False, max_length=100, strip=True
    )

    def filters(self) -> dict[str, Any] | None:
        """The selector's arguments: none when unbound, None when invalid (the form then says
        what is wrong)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        return self.chosen()

    def chosen(self) -> dict[str, Any]:
        """The selector's arguments from the valid form; a subclass adds its filters."""
        return {"search": self.cleaned_data["q"]}


class ErrorTextForm(PortalForm):
    """A form whose errors can be said in one sentence, for a message after a redirect."""

    def error_text(self) -> str:
        return " ".join(str(message) for errors in self.errors.values() for message in errors)


class IsoDateField(forms.DateField):
    """A date typed as YYYY-MM-DD, the format the tables print, whatever the browser's locale.

    A native date input would show the browser's own format (mm/dd/yyyy in the US), so this
    is a text input with the format as its placeholder and help text.
    """

    input_formats = [ISO_DATE_FORMAT]
    default_error_messages = {
        "invalid": _("Enter the date as YYYY-MM-DD, for example 2026-05-31."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", ISO_DATE_HINT)
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                format=ISO_DATE_FORMAT,
                attrs={
                    "placeholder": ISO_DATE_HINT,
                    "inputmode": "numeric",
                    "pattern": r"\d{4}-\d{2}-\d{2}",
                    "size": 10,
                    "maxlength": 10,
                    "autocomplete": "off",
                },
            ),
        )
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
            raise forms.ValidationError(_("Enter a date between 2000 and 2999."), code="range")
