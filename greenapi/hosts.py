"""Which host serves an instance, and how base URLs are normalised.

Green API's official rule is "use the apiUrl/mediaUrl the console shows for the instance", but
neither createInstance nor getInstances returns them (upstream issues #627, #587). Two choices
remain: a universal host for every instance (`https://api.green-api.com`), or the observed, not
documented, convention that the host is named after the first four digits of idInstance
(`7105187566` → `https://7105.api.green-api.com`). Both are supported here.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

UNIVERSAL_API_URL: Final = "https://api.green-api.com"
UNIVERSAL_MEDIA_URL: Final = "https://media.green-api.com"


def normalise_base_url(url: str, *, drop_suffix: str = "") -> str:
    """Check that `url` is an http(s) URL and return it without trailing slashes.

    `drop_suffix` (e.g. "/v3") is removed from the end when present, so that a MAX apiUrl copied
    from the console (`https://3100.api.green-api.com/v3/`) does not get a second `/v3`.
    """
    if not isinstance(url, str):
        raise ValueError("A Green API base URL must be a string.")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "A Green API base URL must start with http:// or https:// and name a host."
        )
    if parts.query or parts.fragment:
        raise ValueError("A Green API base URL must not have a query string or a fragment.")
    url = url.rstrip("/")
    if drop_suffix and url.endswith(drop_suffix):
        url = url[: -len(drop_suffix)].rstrip("/")
    return url


def _check_id(id_instance: int) -> None:
    if isinstance(id_instance, bool) or not isinstance(id_instance, int) or id_instance <= 0:
        raise ValueError("idInstance must be a positive integer.")


def instance_api_url(id_instance: int, universal_url: str = "") -> str:
    """The API base URL for an instance, without a trailing slash.

    With `universal_url` set, that URL (normalised) serves every instance. Empty: the host is
    derived from the first four digits of the id, `https://{4 digits}.api.green-api.com`; an id of
    fewer than four digits falls back to the universal host.
    """
    _check_id(id_instance)
    if universal_url:
        return normalise_base_url(universal_url)
    digits = str(id_instance)
    if len(digits) < 4:
        return UNIVERSAL_API_URL
    return f"https://{digits[:4]}.api.green-api.com"


def instance_media_url(id_instance: int, universal_url: str = "") -> str:
    """The media (file upload) base URL for an instance, without a trailing slash.

    Derived: `https://{4 digits}.media.green-api.com`. With `universal_url` set (normally the
    same setting as for `instance_api_url`), an `api.` host label becomes `media.`
    (`https://api.greenapi.com` → `https://media.greenapi.com`); any other URL, such as the
    emulator's, is returned as it is.
    """
    _check_id(id_instance)
    if universal_url:
        url = normalise_base_url(universal_url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        labels = host.split(".")
        if "api" in labels[:2] and host.count(".") >= 2:
            index = labels.index("api")
            labels[index] = "media"
            netloc = parts.netloc.replace(host, ".".join(labels), 1)
            url = parts._replace(netloc=netloc).geturl()
        return url
    digits = str(id_instance)
    if len(digits) < 4:
        return UNIVERSAL_MEDIA_URL
    return f"https://{digits[:4]}.media.green-api.com"
