"""Every select's empty choice reads "Choose…" (or a label of its own), never Django's dashes."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.db.models.fields import BLANK_CHOICE_DASH

from accounts.models import User
from core.forms import EMPTY_LABEL, ChooseLabelMixin, PortalForm
from tests.support.personas import World

PRODUCT = ("accounts", "alerts", "billing", "core", "events", "instances", "monitoring")
DASHES = BLANK_CHOICE_DASH[0][1]


def _import_product_modules() -> None:
    root = Path(settings.BASE_DIR)
    for package in PRODUCT:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            importlib.import_module(module.removesuffix(".__init__"))


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _shows_dashes(field: forms.Field) -> bool:
    if isinstance(field, forms.ModelChoiceField):
        return field.empty_label == DASHES
    if isinstance(field, forms.ChoiceField):
        return any(label == DASHES for _value, label in field.choices)
    return False


def test_every_form_with_a_dashed_select_relabels_it() -> None:
    _import_product_modules()
    ours = {
        form for form in _subclasses(forms.BaseForm) if form.__module__.split(".")[0] in PRODUCT
    }
    assert PortalForm in ours
    dashed = {
        f"{form.__module__}.{form.__qualname__}.{name}"
        for form in ours
        if not issubclass(form, ChooseLabelMixin)
        for name, field in form.base_fields.items()
        if _shows_dashes(field)
    }
    assert not dashed, "derive these forms from core.forms.PortalForm (or ChooseLabelMixin)"


def test_the_empty_choice_says_choose_and_keeps_labels_of_its_own() -> None:
    class Example(PortalForm):
        plain = forms.ChoiceField(choices=[*BLANK_CHOICE_DASH, ("a", "A")], required=False)
        model = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
        own = forms.ModelChoiceField(
            queryset=User.objects.none(), required=False, empty_label="Anyone"
        )

    form = Example()
    assert next(iter(form.fields["plain"].choices)) == ("", EMPTY_LABEL)
    assert form.fields["model"].empty_label == EMPTY_LABEL
    assert form.fields["own"].empty_label == "Anyone"
    assert '<option value="" selected>Choose…</option>' in str(form["model"])


# Every page with a select, for the roles that see different forms on it.
PAGES = [
    ("admin", "/instances/new/"),
    ("support", "/instances/new/"),
    ("admin", "/instances/"),
    ("admin", "/users/new/"),
    ("admin", "/users/{user}/"),
    ("admin", "/resellers/new/"),
    ("admin", "/audit/"),
    ("reseller_a_user", "/audit/"),
    ("admin", "/instances/{instance}/"),
    ("admin", "/alerts/settings/"),
    ("admin", "/usage/"),
    ("admin", "/users/"),
    ("admin", "/resellers/"),
    ("admin", "/instances/attention/"),
]


@pytest.mark.parametrize(("persona", "path"), PAGES)
def test_no_page_shows_dashes_in_a_select(world: World, persona: str, path: str) -> None:
    url = path.format(user=world.reseller_a_user.pk, instance=world.instance_a.pk)
    response = world.client(persona).get(url)
    assert response.status_code == 200
    assert DASHES not in response.content.decode()


def test_the_user_and_create_forms_say_choose(world: World) -> None:
    user_form = world.client("admin").get("/users/new/").content.decode()
    assert '<option value="" selected>Choose…</option>' in user_form
    # Support agents must pick a reseller to create for: the select starts on "Choose…".
    create_form = world.client("support").get("/instances/new/").content.decode()
    assert '<option value="" selected>Choose…</option>' in create_form
