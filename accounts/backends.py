"""Log in with a username or an e-mail address, and only while the account may be used."""

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied, AxesBackendRequestParameterRequired
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.lockout import login_attempt_claim, login_attempt_release
from accounts.models import User
from accounts.selectors import user_for_login
from core.rows import row_read


class LoginAttemptGate(AxesStandaloneBackend):  # type: ignore[misc]  # axes has no type hints
    """First backend: counts the attempt before any password is checked, or refuses it.

    Replaces axes' own check, which parallel attempts all pass before any failure is counted.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            raise AxesBackendRequestParameterRequired("Logins are counted per request.")
        if not login_attempt_claim(request, {"username": username}):
            # Stops authenticate(); it sends user_login_failed, which axes records as blocked.
            raise AxesBackendPermissionDenied("Locked out after too many failed logins.")


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        user = user_for_login(username)
        if user is None:
            # Hash anyway, so the answer takes as long for an unknown name as for a known one.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if request is not None:
                login_attempt_release(request)
            return user
        return None

    def user_can_authenticate(self, user: Any) -> bool:
        """Inactive users, and users of an inactive reseller, cannot log in or stay logged in."""
        return user_may_log_in(user)

    def get_user(self, user_id: Any) -> User | None:
        # Runs on every request: a deactivated user is anonymous from their next request on.
        # The row and its reseller's in one statement written once (core/rows.py): the ORM
        # built this query anew on every request, a fifth of an onboarding poll's CPU.
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = row_read(User, pk=pk, fields=_USER_FIELDS, related=("reseller",))
        return user if user is not None and self.user_can_authenticate(user) else None


_USER_FIELDS = tuple(field.name for field in User._meta.concrete_fields if not field.primary_key)


def user_may_log_in(user: User) -> bool:
    if not user.is_active:
        return False
    if user.role == User.Role.RESELLER:
        return user.reseller is not None and user.reseller.is_active
    return True
