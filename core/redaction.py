"""Keep every secret the portal handles out of logs, audit details and error text.

Green API's tokens are the client's to know (greenapi/redaction.py); on top of them come the
portal's own secrets that travel in URL paths: a customer link's token (`/l/<token>/`) opens an
instance's onboarding to anyone, and a password-reset link (`/password-reset/<uid>/<token>/`)
sets a password. Request and access logs print paths, so both are redacted here, and so is an
API token (`ppat_…`) wherever it appears.
"""

from __future__ import annotations

import re

from greenapi.redaction import REDACTED, RedactTokensFilter
from greenapi.redaction import redact as redact_green_api

_PATH_SECRETS = (
    re.compile(r"(?P<prefix>/l/)[A-Za-z0-9_-]+"),
    re.compile(r"(?P<prefix>/password-reset/)[A-Za-z0-9_-]+/[A-Za-z0-9_-]+"),
    # The automation API's tokens (api/tokens.py), wherever one is pasted: its prefix is kept.
    re.compile(r"(?P<prefix>ppat_)[A-Za-z0-9_-]{8,}"),
)


def redact(text: str) -> str:
    """`text` with Green API tokens, customer-link tokens and password-reset tokens removed."""
    for pattern in _PATH_SECRETS:
        text = pattern.sub(lambda m: m.group("prefix") + REDACTED, text)
    return redact_green_api(text)


class RedactSecretsFilter(RedactTokensFilter):
    """The logging filter for the portal's own loggers (settings.LOGGING): every secret above."""

    @staticmethod
    def redact_text(text: str) -> str:
        return redact(text)
