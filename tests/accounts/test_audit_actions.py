"""Audit actions in plain words: every code the portal records has a sentence, and pages show it;
targets link to their page only for a viewer who may open it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.functional import Promise
from django.utils.html import escape

from accounts.audit import audit_record
from accounts.audit_actions import AUDIT_ACTIONS, audit_action_label
from accounts.models import AuditEvent
from instances.models import BulkJob, Instance
from tests.support.personas import World

PRODUCT = (
    "accounts",
    "alerts",
    "api",
    "billing",
    "core",
    "events",
    "instances",
    "monitoring",
    "partnerportal",
)
# An f-string code stands for one code per value of what it formats. Name each here.
FORMATTED = {"bulk.{action}": [f"bulk.{value}" for value in BulkJob.Action.values]}


def _sources() -> Iterator[Path]:
    root = Path(settings.BASE_DIR)
    for package in PRODUCT:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _codes_in(node: ast.expr, where: str) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes_in(node.body, where) + _codes_in(node.orelse, where)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(
            part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
            if isinstance(part, ast.Constant | ast.FormattedValue)
        )
        assert pattern in FORMATTED, f"{where}: say which codes {pattern!r} makes in FORMATTED"
        return FORMATTED[pattern]
    return []  # a name: its value is passed in by a caller, or is a constant found below


def recorded_codes() -> dict[str, str]:
    """Every action code the product's source can record, with where it is written.

    Read from the source: each `action=...` argument of a call, each default of a parameter
    named `action`, and each constant named ACTION.
    """
    codes: dict[str, str] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(settings.BASE_DIR)}:{getattr(node, 'lineno', 0)}"
            values: list[ast.expr] = []
            if isinstance(node, ast.Call):
                values = [kw.value for kw in node.keywords if kw.arg == "action"]
            elif isinstance(node, ast.FunctionDef):
                arguments = node.args
                named = zip(
                    arguments.kwonlyargs
                    + arguments.args[-len(arguments.defaults) or len(arguments.args) :],
                    arguments.kw_defaults + list(arguments.defaults),
                    strict=False,
                )
                values = [default for arg, default in named if arg.arg == "action" and default]
            elif isinstance(node, ast.AnnAssign | ast.Assign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if node.value is not None and any(
                    isinstance(t, ast.Name) and t.id == "ACTION" for t in targets
                ):
                    values = [node.value]
            for value in values:
                for code in _codes_in(value, where):
                    codes.setdefault(code, where)
    return codes


def test_every_code_the_portal_records_has_a_sentence() -> None:
    codes = recorded_codes()
    assert "onboarding.link_open" in codes  # the reading finds them at all
    missing = {code: where for code, where in codes.items() if code not in AUDIT_ACTIONS}
    assert not missing, f"add a sentence to accounts/audit_actions.py for {missing}"


def test_every_sentence_is_for_a_code_the_portal_records() -> None:
    assert set(AUDIT_ACTIONS) - set(recorded_codes()) == set()


def test_the_sentences_are_translatable_and_tell_the_actions_apart() -> None:
    assert all(isinstance(label, Promise) for label in AUDIT_ACTIONS.values())
    sentences = [str(label) for label in AUDIT_ACTIONS.values()]
    assert len(set(sentences)) == len(sentences)
    assert audit_action_label("onboarding.link_open") == "Customer opened the link"
    assert audit_action_label("instance.delete") == "Instance deleted"


def test_an_undeclared_code_is_refused(world: World) -> None:
    with pytest.raises(ValueError, match="AUDIT_ACTIONS"):
        audit_record(action="instance.teleport", actor=world.admin)
    assert not AuditEvent.objects.exists()


def test_an_old_code_without_a_sentence_still_shows(world: World) -> None:
    AuditEvent.objects.create(action="instance.retired_thing", reseller=world.reseller_a)
    response = world.client("admin").get("/audit/")
    assert b"instance.retired_thing" in response.content


def test_the_audit_log_and_the_timeline_say_the_action_in_words(world: World) -> None:
    audit_record(action="onboarding.link_open", actor=None, target=world.instance_a)
    log = world.client("reseller_a_user").get("/audit/").content.decode()
    assert "Customer opened the link" in log
    assert ">onboarding.link_open<" not in log
    page = world.client("reseller_a_user").get(f"/instances/{world.instance_a.pk}/")
    assert "Customer opened the link" in page.content.decode()


def _plain_cell(kind: str, target: object) -> str:
    """The target's table cell when it is not a link."""
    return f"<td>{kind} {escape(str(target))}</td>"


def test_targets_link_to_their_page_for_whoever_may_open_it(world: World) -> None:
    audit_record(action="instance.reboot", actor=world.admin, target=world.instance_a)
    audit_record(action="user.update", actor=world.admin, target=world.reseller_a_user)
    audit_record(action="reseller.update", actor=world.admin, target=world.reseller_a)
    instance_link = f'href="/instances/{world.instance_a.pk}/"'
    user_link = f'href="/users/{world.reseller_a_user.pk}/"'
    reseller_link = f'href="/resellers/{world.reseller_a.pk}/"'

    admin = world.client("admin").get("/audit/").content.decode()
    assert instance_link in admin
    assert user_link in admin
    assert reseller_link in admin
    # Support agents see every instance, but people pages are the admins'.
    support = world.client("support").get("/audit/").content.decode()
    assert instance_link in support
    assert user_link not in support
    assert reseller_link not in support
    assert _plain_cell("user", world.reseller_a_user) in support
    reseller = world.client("reseller_a_user").get("/audit/").content.decode()
    assert instance_link in reseller
    assert user_link not in reseller


def test_a_reseller_user_gets_no_link_to_another_resellers_instance(world: World) -> None:
    # Recorded while the instance was reseller A's, so A's users read the event; it is B's now.
    audit_record(action="instance.reboot", actor=world.reseller_a_user, target=world.instance_a)
    Instance.objects.filter(pk=world.instance_a.pk).update(reseller=world.reseller_b)
    link = f'href="/instances/{world.instance_a.pk}/"'

    page = world.client("reseller_a_user").get("/audit/").content.decode()
    assert _plain_cell("instance", world.instance_a) in page
    assert link not in page
    assert (
        world.client("reseller_a_user").get(f"/instances/{world.instance_a.pk}/").status_code == 404
    )
    assert link in world.client("admin").get("/audit/").content.decode()
