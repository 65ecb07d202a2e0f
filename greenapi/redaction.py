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
# Token-shaped words outside URLs: partner tokens (gac.<hex>) and instance tokens (50 hex).
# No word boundaries: "token=abc…" or a token glued to other hex must not slip through, and
# redacting some unrelated long hex string (a digest) is a fair price.
_BARE_TOKEN = re.compile(r"gac\.[0-9A-Za-z_-]+|[0-9a-fA-F]{40,}")


def redact(text: str) -> str:
    """Replace every Green API token in `text` with a marker."""
    text = _URL_TOKEN.sub(lambda m: m.group("prefix") + REDACTED, text)
    return _BARE_TOKEN.sub(REDACTED, text)


class RedactTokensFilter(logging.Filter):
    """A logging filter that rewrites a record's message with tokens removed.

    `redact_text` is what it applies; a subclass can widen it to other secrets.
    """

    @staticmethod
    def redact_text(text: str) -> str:
        return redact(text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record with bad %-arguments; leave it to the handler
            return True
        cleaned = self.redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        # A traceback repeats exception texts, and requests' exceptions embed the URL. Render it
        # now, redacted; formatters use a record's exc_text instead of formatting it again.
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact_text(_FORMATTER.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = self.redact_text(record.stack_info)
        return True


_FORMATTER = logging.Formatter()


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
