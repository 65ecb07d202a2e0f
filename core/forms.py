"""Small pieces shared by the portal's forms."""

from __future__ import annotations

from django import forms


class ErrorTextForm(forms.Form):
    """A form whose errors can be said in one sentence, for a message after a redirect."""

    def error_text(self) -> str:
        return " ".join(str(message) for errors in self.errors.values() for message in errors)
