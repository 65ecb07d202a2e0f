"""The pages' forms as the API's validation: the same rules and messages, as a 422 problem."""

from __future__ import annotations

from django import forms

from api.problems import Problem


def form_problem(form: forms.Form, *, location: str = "body") -> Problem:
    """A 422 problem with one entry per message of each invalid field, shaped like the
    ninja validation errors api/router.py answers with (`location`, `message`)."""
    errors = [
        {"location": f"{location}.{field}", "message": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]
    return Problem(422, "validation", "Some values are not valid.", errors=errors)
