"""getInstances' answer read one instance at a time, at any size (docs/greenapi.md §2.2).

The answer lists every instance of the account, deleted ones for 3 months, in one array of about
420 bytes an instance: 200 MB for 500,000. The transport spools it to a temporary file within
the call's deadline (memory holds at most a small buffer of it), so a dropped or truncated
transfer fails before anything reads it, and this module decodes the file:

- up to `DECODE_AT_ONCE_BYTES` with one msgspec call straight into `ListedInstance` structs (about
  three times faster than `json.loads` into dicts);
- above that as a stream with ijson (its C backend, yajl2_c), one item at a time, so memory stays
  bounded whatever the size.

Both paths check each item against the same `ListedInstance` type. `ListedInstance` keeps the
wire values as they came (times still strings): a caller that compares answers can skip the
unchanged items cheaply and call `.parsed()` only on the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Annotated, Any

import ijson
import msgspec

from greenapi.errors import BadResponse
from greenapi.models import PartnerInstance
from greenapi.times import parse_time

METHOD = "getInstances"
DECODE_AT_ONCE_BYTES = 64 * 1024 * 1024
_STREAM_BUFFER = 256 * 1024
_PATH = re.compile(r"\$(?:\[(\d+)\])?")


class ListedInstance(msgspec.Struct, frozen=True, rename="camel"):
    """One element of getInstances with the wire's values, checked for type, not yet converted.

    Absent and null fields are None. Unknown fields are ignored. The token is left out of
    `repr`.
    """

    id_instance: Annotated[int, msgspec.Meta(gt=0)]
    name: str | None = None
    type_instance: str | None = None
    messenger: str | None = None  # the Telegram page's name for typeInstance
    type_account: str | None = None
    partner_user_uiid: str | None = None
    time_created: str | None = None
    time_deleted: str | None = None
    api_token_instance: str | None = None
    deleted: bool | None = None
    tariff: str | None = None
    is_free: bool | None = None
    is_partner: bool | None = None
    expiration_date: str | None = None
    is_expired: bool | None = None

    def __repr__(self) -> str:
        return f"ListedInstance(id_instance={self.id_instance!r}, name={self.name!r})"

    def encoded(self) -> bytes:
        """The fields above as compact JSON, in a fixed order: a stable input for a digest."""
        return _encoder.encode(self)

    def parsed(self) -> PartnerInstance:
        """The typed result; raises BadResponse for a time that is not a date-time."""
        return PartnerInstance(
            id_instance=self.id_instance,
            name=self.name or "",
            # Telegram pages show `messenger` with the same values; used if typeInstance is absent.
            type_instance=self.type_instance or self.messenger or "",
            type_account=self.type_account or "",
            partner_user_uiid=self.partner_user_uiid or "",
            time_created=self._time("timeCreated", self.time_created),
            time_deleted=self._time("timeDeleted", self.time_deleted),
            api_token=self.api_token_instance or "",
            deleted=bool(self.deleted),
            tariff=self.tariff or "",
            is_free=bool(self.is_free),
            is_partner=bool(self.is_partner),
            expiration_date=self._time("expirationDate", self.expiration_date),
            is_expired=bool(self.is_expired),
        )

    def _time(self, key: str, value: str | None) -> datetime | None:
        if value is None:
            return None
        ok, parsed = parse_time(value)
        if not ok:
            raise _shape(f"instance {self.id_instance}: {key} is not a date-time")
        return parsed


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(list[ListedInstance])


def listed_instances(body: IO[bytes], size: int) -> Iterator[ListedInstance]:
    """The items of a getInstances answer in `body` (a JSON array, `size` bytes long).

    Raises BadResponse, possibly after some items were yielded, when the answer is not a whole
    JSON array of instance objects: a caller applies nothing until the iterator is exhausted.
    """
    if size <= DECODE_AT_ONCE_BYTES:
        yield from _decoded_at_once(body.read())
        return
    index = 0
    items = ijson.items(body, "item", use_float=True, buf_size=_STREAM_BUFFER)
    while True:
        failure = ""
        try:
            raw = next(items)
        except StopIteration:
            return
        except ijson.JSONError:
            # ijson's message quotes the text around the error, which may hold a token.
            failure = "broken"
        if failure:
            raise _broken()
        yield _converted(raw, index)
        index += 1


def parse_instances(value: Any) -> list[PartnerInstance]:
    """getInstances from an already decoded JSON value: an array of instance objects."""
    return [item.parsed() for item in listed_from_value(value)]


def listed_from_value(value: Any) -> list[ListedInstance]:
    """The items of an already decoded getInstances answer; BadResponse unless an array of
    instance objects."""
    problem = ""
    try:
        return msgspec.convert(value, list[ListedInstance])
    except msgspec.ValidationError as exc:
        problem = str(exc)
    raise _shape(_where(problem))


def _decoded_at_once(data: bytes) -> list[ListedInstance]:
    problem: msgspec.ValidationError | None = None
    broken = False
    try:
        return _decoder.decode(data)
    except msgspec.ValidationError as exc:
        problem = exc
    except msgspec.DecodeError:
        broken = True
    if broken:
        raise _broken()
    assert problem is not None
    raise _shape(_where(str(problem)))


def _converted(raw: Any, index: int) -> ListedInstance:
    problem = ""
    try:
        return msgspec.convert(raw, ListedInstance)
    except msgspec.ValidationError as exc:
        problem = str(exc)
    raise _shape(_where(problem, index=index))


def _where(message: str, *, index: int | None = None) -> str:
    """msgspec's "Expected `str | null`, got `int` - at `$[3].name`" as "instance[3].name is
    int, not str | null". msgspec's messages name types and paths, never values."""
    expected, _, at = message.partition(" - at ")
    path = at.strip("`")
    match = _PATH.match(path)
    if match is not None:
        number = match.group(1) if match.group(1) is not None else index
        path = f"instance[{number}]{path[match.end() :]}" if number is not None else "the answer"
    else:
        path = f"instance[{index}]" if index is not None else "the answer"
    return f"{path}: {expected.replace('`', '')}"


def _shape(what: str) -> BadResponse:
    return BadResponse(
        f"Green API's answer to {METHOD} has an unexpected shape ({what}). "
        "The API may have changed; report this to the portal's maintainers.",
        method=METHOD,
        status=200,
    )


def _broken() -> BadResponse:
    return BadResponse(
        f"Green API's answer to {METHOD} is broken or truncated JSON. Try again in a minute.",
        method=METHOD,
        status=200,
    )
