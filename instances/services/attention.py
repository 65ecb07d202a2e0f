"""Marking an item of the attention list handled (instances/attention.py)."""

from __future__ import annotations

from datetime import datetime

from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Reseller, User
from instances.attention import item_key
from instances.models import AttentionMark, CreateOrder, Instance, OnboardingLink


def attention_mark_handled(
    *,
    user: User,
    kind: str,
    subject: str,
    since: datetime,
    note: str,
    request: HttpRequest | None = None,
) -> AttentionMark:
    """Record that `user` handled the item (`kind`, `subject`, `since`), with a note.

    The subject must be one `user` may see (else Http404, as for a missing one). Marking it again
    replaces the note. The mark holds until the condition ends; when it comes back, its start
    differs and so does its key, and the item shows again.
    """
    reseller = _tenant_of_subject(user, subject)
    mark, _created = AttentionMark.objects.update_or_create(
        key=item_key(kind, subject, since),
        defaults={
            "note": note,
            "handled_by": user,
            "handled_at": timezone.now(),
            "reseller": reseller,
        },
    )
    audit_record(
        action="attention.handle",
        actor=user,
        request=request,
        reseller=reseller,
        detail=f"{kind} {subject}" + (f": {note}" if note else ""),
    )
    return mark


def _tenant_of_subject(user: User, subject: str) -> Reseller | None:
    """The reseller of the instance, order or link `subject` names, if `user` may see it."""
    prefix, number = subject[:1], int(subject[1:])
    owner: Instance | CreateOrder | None
    if prefix == "l":
        link = (
            OnboardingLink.objects.visible_to(user)
            .select_related("instance__reseller")
            .filter(pk=number)
            .first()
        )
        owner = link.instance if link is not None else None
    elif prefix == "o":
        owner = (
            CreateOrder.objects.visible_to(user)
            .select_related("reseller")
            .filter(pk=number)
            .first()
        )
    else:
        owner = (
            Instance.objects.visible_to(user).select_related("reseller").filter(pk=number).first()
        )
    if owner is None:
        raise Http404("No such item.")
    return owner.reseller
