"""Read one getInstances answer for the few items that can settle create orders, as it streams.

An answer lists every instance of the account (500,000 take 200 MB), so settling never keeps
it whole: only the items an open order could match, and the guard's count of what it listed.
"""

from __future__ import annotations

from datetime import datetime

from greenapi import PartnerClient, PartnerInstance
from greenapi.listing import ListedInstance
from instances.services.listing_guard import ListingTally


def may_settle_an_order(item: ListedInstance, names: set[str]) -> bool:
    """Whether a listed item can be a candidate of an open order named in `names` (create.py's
    `_candidates` narrows it down further: messenger, creation time)."""
    return not item.deleted and (item.name or "") in names


def scan_for_orders(
    client: PartnerClient, *, names: set[str], fetched_at: datetime
) -> tuple[list[PartnerInstance], str]:
    """(the listed items that may settle an order named in `names`, why the whole answer must
    not be trusted or ""). Raises GreenAPIError as the call, or for a broken answer."""
    tally = ListingTally.of_mirror(fetched_at=fetched_at)
    candidates: list[PartnerInstance] = []
    with client.instances_listing() as listed:
        for item in listed:
            tally.listed(item.id_instance)
            if may_settle_an_order(item, names):
                candidates.append(item.parsed())
    return candidates, tally.refusal()
