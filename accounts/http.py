"""The request of a view that only a logged-in user reaches, for the type checker."""

from accounts.models import User
from core.http import HtmxHttpRequest


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request past login_required (or action_required): `request.user` is a portal User.

    Django passes its own request class at run time; this class only describes it.
    """

    user: User
