"""The partner API client: create, list and delete instances (docs/greenapi.md §2)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from greenapi.config import ClientConfig
from greenapi.hosts import normalise_base_url
from greenapi.listing import ListedInstance, listed_from_value, listed_instances
from greenapi.models import CreatedInstance, PartnerInstance
from greenapi.observe import Observer
from greenapi.params import CreateInstanceParams
from greenapi.parsing import parse_created_instance, parse_deleted
from greenapi.spool import SpooledBody
from greenapi.transport import Transport

_URL_SAFE_TOKEN = re.compile(r"[A-Za-z0-9._~-]+")


def check_token(token: str, what: str) -> str:
    """Return `token` if it can travel in a URL path as is; the error never shows the token."""
    if not isinstance(token, str) or not _URL_SAFE_TOKEN.fullmatch(token):
        raise ValueError(f"The {what} is empty or has characters that cannot go in a URL.")
    return token


class PartnerClient:
    """Green API's partner methods: getInstances, createInstance, deleteInstanceAccount.

    URLs are `{base_url}/partner/{method}/{partner_token}`, also for MAX (v3) accounts: partner
    calls never get a `/v3` prefix (a trailing `/v3` on `base_url` is dropped).

    Every call has the timeouts and overall deadline of `config`. getInstances is retried on
    connection errors, timeouts, 429 and 5xx within that deadline; createInstance and
    deleteInstanceAccount are sent exactly once. All failures raise a `GreenAPIError` subclass;
    partner errors that arrive inside an HTTP 200 (`{"code": 401, ...}`) are raised too.

    Args:
        base_url: the partner API URL from the console's Profile page, default
            `https://api.green-api.com` (or the emulator's `/sandbox` URL).
        partner_token: the `gac.…` token. It appears in no repr, log or error.
        config: timeouts, deadline and retries; the defaults when omitted.
        session: a `requests.Session` to reuse (one per thread); a new one when omitted.
        observer: called with a `CallEvent` after every HTTP attempt (greenapi/observe.py),
            e.g. to count calls for metrics; None for no observer.
    """

    def __init__(
        self,
        base_url: str,
        partner_token: str,
        config: ClientConfig | None = None,
        *,
        session: requests.Session | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url, drop_suffix="/v3")
        self._token = check_token(partner_token, "partner token")
        self.config = config or ClientConfig()
        self._transport = Transport(self.config, session, observer=observer)

    def __repr__(self) -> str:
        return f"PartnerClient(base_url={self.base_url!r})"

    def _url(self, method: str) -> str:
        return f"{self.base_url}/partner/{method}/{self._token}"

    def get_instances(self) -> list[PartnerInstance]:
        """Every instance of the partner account, deleted ones of the last 3 months included.

        One unpaginated array; filter on `.deleted`. The answer carries every instance's token
        (`.api_token`), so keep the result out of logs. For a large account prefer
        `instances_listing()`, which never holds the whole list.

        Raises:
            Unauthorized: the partner token was refused.
            Unavailable, UpstreamTimeout, RateLimited: after the retries allowed by the config.
            BadResponse: the answer is not a list of instance objects, or is larger than
                `config.max_listing_bytes`.
        """
        with self.instances_listing() as listed:
            return [item.parsed() for item in listed]

    @contextmanager
    def instances_listing(self) -> Iterator[Iterator[ListedInstance]]:
        """getInstances as an iterator of `ListedInstance`, decoded one at a time.

        The whole answer is downloaded (within the config's deadline) to a temporary file before
        the first item is yielded, so a dropped transfer fails here, before anything is read.
        The iterator raises BadResponse on the first item that is not an instance object, or
        where the JSON turns out broken: apply nothing before it is exhausted.

            with partner.instances_listing() as listed:
                for item in listed:
                    ...

        Raises: as `get_instances`.
        """
        value = self._transport.call(
            "GET", self._url("getInstances"), method="getInstances", target="partner", spool=True
        )
        if not isinstance(value, SpooledBody):
            # A decoded answer that is not an array (`null`, an object...): rejected there.
            yield iter(listed_from_value(value))
            return
        with value:
            yield listed_instances(value.file, value.size)

    def create_instance(self, params: CreateInstanceParams) -> CreatedInstance:
        """Create (and start billing) one instance. Sent exactly once, never retried.

        The answer has no apiUrl/mediaUrl; use `instance_api_url()`. A new instance needs up to
        about 5 minutes before it is usable: getStateInstance answers `null` meanwhile.

        Raises:
            Unauthorized: the partner token was refused (nothing was created).
            UpstreamTimeout, Unavailable, BadResponse with `outcome_unknown=True`: the request
                was sent but the answer was lost or unreadable, so the instance may exist. Do
                not send the create again; settle it by listing instances with getInstances.
            Unavailable with `outcome_unknown=False`: the connection was never made (or Green
                API had no free instances), so nothing was created.
        """
        value = self._transport.call(
            "POST",
            self._url("createInstance"),
            method="createInstance",
            target="partner",
            payload=params.to_wire(),
        )
        return parse_created_instance(value)

    def delete_instance_account(self, id_instance: int) -> None:
        """Delete an instance (billing stops). Sent exactly once, never retried.

        Deleting does not unlink the phone on Telegram/MAX (and possibly WhatsApp): call
        `InstanceClient.logout()` first.

        Raises:
            NotFound: no such instance, or it is already deleted (`{"code": 404}`).
            Unauthorized: the partner token was refused.
            UpstreamTimeout, Unavailable, BadResponse with `outcome_unknown=True`: the deletion
                may have happened; check getInstances before sending it again.
        """
        if isinstance(id_instance, bool) or not isinstance(id_instance, int) or id_instance <= 0:
            raise ValueError("idInstance must be a positive integer.")
        value = self._transport.call(
            "POST",
            self._url("deleteInstanceAccount"),
            method="deleteInstanceAccount",
            target=f"instance {id_instance}",
            payload={"idInstance": id_instance},
        )
        parse_deleted(value, id_instance)
