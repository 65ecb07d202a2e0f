"""Reads of API tokens for the pages: a user's own, or every one for the people admins."""

from __future__ import annotations

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Action, require
from api.models import ApiToken

ACTIVE, EXPIRED, REVOKED = "active", "expired", "revoked"


def _with_status(tokens: QuerySet[ApiToken]) -> QuerySet[ApiToken]:
    """Each token with `status`: revoked, else expired, else active (its user's state aside)."""
    return tokens.annotate(
        status=Case(
            When(revoked_at__isnull=False, then=Value(REVOKED)),
            When(expires_at__lte=timezone.now(), then=Value(EXPIRED)),
            default=Value(ACTIVE),
            output_field=CharField(),
        )
    )


def _status_is(status: str) -> Q:
    now, live = timezone.now(), Q(revoked_at__isnull=True)
    return {
        REVOKED: ~live,
        EXPIRED: live & Q(expires_at__lte=now),
        ACTIVE: live & Q(expires_at__gt=now),
    }[status]


def api_token_list_own(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first."""
    return _with_status(ApiToken.objects.filter(user=user)).order_by("-created_at", "-pk")


def api_token_get_own(*, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; anyone else's is a 404 exactly like a missing one."""
    return get_object_or_404(api_token_list_own(user=user), pk=token_id)


def api_token_list(*, viewer: User, search: str = "", status: str = "") -> QuerySet[ApiToken]:
    """Every user's tokens, for those who manage people; `search` looks in the token's name and
    prefix, the username and the reseller's name."""
    require(viewer, Action.MANAGE_PEOPLE)
    tokens = _with_status(ApiToken.objects.select_related("user", "user__reseller"))
    if search:
        tokens = tokens.filter(
            Q(name__icontains=search)
            | Q(prefix__icontains=search)
            | Q(user__username__icontains=search)
            | Q(user__reseller__name__icontains=search)
        )
    if status:
        tokens = tokens.filter(_status_is(status))
    return tokens.order_by("-created_at", "-pk")


def api_token_get(*, viewer: User, token_id: int) -> ApiToken:
    """Any user's token, for those who manage people."""
    return get_object_or_404(api_token_list(viewer=viewer), pk=token_id)
