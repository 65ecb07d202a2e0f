"""Which state changes alert: the rules, kept apart from the job that applies them."""

from __future__ import annotations

from alerts.models import AlertKind
from instances.models import LINKED_STATES, Instance

State = Instance.State

# A linked phone (authorized, or sending suspended) that goes to one of these: a problem.
_LOST: dict[str, AlertKind] = {
    State.NOT_AUTHORIZED: AlertKind.LOGGED_OUT,
    State.BLOCKED: AlertKind.BLOCKED,
    State.YELLOW_CARD: AlertKind.YELLOW_CARD,
}
# The states a change must reach to matter here: the problems, and authorized (recovery).
WATCHED_STATES = frozenset({*_LOST, State.AUTHORIZED})


def problem_of(previous: str, state: str) -> AlertKind | None:
    """The problem a change from `previous` to `state` is, or None."""
    if previous in LINKED_STATES and state != previous:
        return _LOST.get(state)
    return None


def may_recover(previous: str, state: str) -> bool:
    """Whether a change can end a problem (it does when the instance's last alert was one)."""
    return state == State.AUTHORIZED and previous != State.AUTHORIZED
