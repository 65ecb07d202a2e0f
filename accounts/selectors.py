"""Reads for people, tenancy and the audit trail. Scoping to the viewer happens here."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import AuditEvent, Reseller, User


def user_for_login(identifier: str) -> User | None:
    """The account a login name means: an exact username, else one e-mail in any case."""
    identifier = identifier.strip()
    if not identifier or len(identifier) > 254 or "\x00" in identifier:
        return None
    users = User.objects.select_related("reseller")
    user = users.filter(username=identifier).first()
    if user is None and "@" in identifier:
        # The database keeps e-mails unique in any case; two hits would mean an old duplicate.
        matches = list(users.filter(email__iexact=identifier)[:2])
        user = matches[0] if len(matches) == 1 else None
    return user


def reseller_list(*, search: str = "", active: bool | None = None) -> QuerySet[Reseller]:
    """Resellers by name, with their users and live instances counted; `search` looks in the
    name and the contact e-mail."""
    resellers = Reseller.objects.all()
    if search:
        resellers = resellers.filter(Q(name__icontains=search) | Q(contact_email__icontains=search))
    if active is not None:
        resellers = resellers.filter(is_active=active)
    return resellers.annotate(
        user_count=Count("users", distinct=True),
        instance_count=Count("instances", filter=Q(instances__deleted=False), distinct=True),
    ).order_by("name")


def reseller_get(reseller_id: int) -> Reseller:
    return get_object_or_404(Reseller, pk=reseller_id)


def reseller_choices_for_user_form(*, current: Reseller | None = None) -> QuerySet[Reseller]:
    """Active resellers, plus the one a user already belongs to (so an edit keeps it)."""
    condition = Q(is_active=True)
    if current is not None:
        condition |= Q(pk=current.pk)
    return Reseller.objects.filter(condition).order_by("name")


def user_list(
    *,
    reseller: Reseller | None = None,
    search: str = "",
    role: str = "",
    active: bool | None = None,
) -> QuerySet[User]:
    """Users by username; `search` looks in the username, e-mail and names."""
    users = User.objects.select_related("reseller").order_by("username")
    if reseller is not None:
        users = users.filter(reseller=reseller)
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    if role:
        users = users.filter(role=role)
    if active is not None:
        users = users.filter(is_active=active)
    return users


def user_get(user_id: int) -> User:
    return get_object_or_404(User.objects.select_related("reseller"), pk=user_id)


@dataclass(frozen=True)
class AuditFilters:
    user: User | None = None
    reseller: Reseller | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_event_list(*, user: User, filters: AuditFilters) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.visible_to(user).select_related("reseller")
    if filters.user is not None:
        # What the user did, and what was done to their account.
        events = events.filter(
            Q(actor=filters.user) | Q(target_type="user", target_id=str(filters.user.pk))
        )
    if filters.reseller is not None:
        events = events.filter(reseller=filters.reseller)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from is not None:
        events = events.filter(created_at__gte=datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to is not None:
        end = datetime.combine(filters.date_to + timedelta(days=1), time(), UTC)
        events = events.filter(created_at__lt=end)
    return events.order_by("-created_at", "-id")
