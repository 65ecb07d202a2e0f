"""The month a usage page shows. Validation only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.rules import Month


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), max_length=16, required=False)

    def clean_month(self) -> Month | None:
        text: str = self.cleaned_data["month"]
        if not text:
            return None  # the view's default: the current month
        try:
            return Month.parse(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
