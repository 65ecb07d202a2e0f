"""Keep Green API tokens out of logs and error text.

Both the partner token and instance tokens travel in URL paths
(`/partner/<method>/<token>`, `/waInstance<id>/<method>/<token>`), so any library that logs a URL
(urllib3 at DEBUG, Django's request logger for 4xx answers) would print them.
"""

import logging
import re

REDACTED = "[redacted]"

# The last path segment after a Green API method is always a token.
_URL_TOKEN = re.compile(
    r"(?P<prefix>/(?:partner|waInstance\d+)/[A-Za-z]+/)(?P<token>[^/\s?#'\")]+)", re.IGNORECASE
)
# Token-shaped words outside URLs: partner tokens (gac.<hex>) and 50-hex instance tokens.
_BARE_TOKEN = re.compile(r"\bgac\.[0-9a-fA-F]+\b|\b[0-9a-f]{50}\b")


def redact(text: str) -> str:
    """Replace every Green API token in `text` with a marker."""
    text = _URL_TOKEN.sub(lambda m: m.group("prefix") + REDACTED, text)
    return _BARE_TOKEN.sub(REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """A logging filter that rewrites a record's message with tokens removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record with bad %-arguments; leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# Loggers of the HTTP stack that print request lines or URLs.
URL_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.util.retry",
    "requests",
)


def install(logger_names: tuple[str, ...] = URL_LOGGERS) -> None:
    """Attach the filter to each named logger once (filters on a logger do not reach children)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokensFilter) for f in logger.filters):
            logger.addFilter(RedactTokensFilter())
