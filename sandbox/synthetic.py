"""Made-up instances that getInstances lists after the real ones, generated while the answer
streams out, so the emulator can serve an account of 500,000 instances without holding them.

Synthetic instance n (0 <= n < count) has id `SYNTHETIC_POOL + n`, the name `Synthetic <n>`
(plus the suffix on every `rename_every`-th one), a fixed creation time and a 50-hex token.
They exist only in the listing: the instance API answers 404 for them.
"""

from collections.abc import Iterator

from sandbox.models import SyntheticListing
from sandbox.responses import dumps
from sandbox.validation import Invalid, is_int

SYNTHETIC_POOL = 1107000000
MAX_COUNT = 2_000_000  # ids stay within 1107xxxxxx-1108xxxxxx, apart from the real pools
KEYS = {"count", "renameEvery", "nameSuffix"}
_CHUNK = 2000
_ITEM = (
    '{"idInstance":%d,"name":"Synthetic %d%s","typeInstance":"whatsapp","typeAccount":"",'
    '"partnerUserUiid":"","timeCreated":"2026-01-01T00:00:00",'
    '"timeDeleted":"0001-01-01T00:00:00","apiTokenInstance":"%050x","deleted":false,'
    '"tariff":"PARTNER_23","isFree":false,"isPartner":true,'
    '"expirationDate":"2026-01-02T00:00:00","isExpired":false}'
)


def current() -> SyntheticListing:
    listing, _ = SyntheticListing.objects.get_or_create(pk=1)
    return listing


def configure(spec: dict[str, object]) -> SyntheticListing:
    """Set the synthetic listing from a control-API body; raises Invalid with the reason."""
    unknown = set(spec) - KEYS
    if unknown:
        raise Invalid(f"unknown keys: {', '.join(sorted(unknown))}")
    count, every = spec.get("count", 0), spec.get("renameEvery", 0)
    suffix = spec.get("nameSuffix", "")
    if not is_int(count) or not 0 <= count <= MAX_COUNT:
        raise Invalid(f"count must be an integer from 0 to {MAX_COUNT}")
    if not is_int(every) or not 0 <= every <= MAX_COUNT:
        raise Invalid("renameEvery must be a non-negative integer (0: rename none)")
    if not isinstance(suffix, str) or len(suffix) > 32 or not suffix.isprintable():
        raise Invalid("nameSuffix must be a printable text of up to 32 characters")
    SyntheticListing.objects.update_or_create(
        pk=1, defaults={"count": count, "rename_every": every, "name_suffix": suffix}
    )
    return current()


def describe(listing: SyntheticListing) -> dict[str, object]:
    return {
        "count": listing.count,
        "renameEvery": listing.rename_every,
        "nameSuffix": listing.name_suffix,
    }


def items_json(listing: SyntheticListing) -> Iterator[str]:
    """The synthetic items as JSON text, comma-separated, a chunk at a time."""
    suffix = " " + dumps(listing.name_suffix)[1:-1] if listing.name_suffix else ""
    every = listing.rename_every
    for start in range(0, listing.count, _CHUNK):
        numbers = range(start, min(start + _CHUNK, listing.count))
        yield ",".join(
            _ITEM % (SYNTHETIC_POOL + n, n, suffix if every and n % every == 0 else "", n)
            for n in numbers
        )
