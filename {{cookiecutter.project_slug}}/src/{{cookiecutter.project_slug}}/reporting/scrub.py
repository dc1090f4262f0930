"""What no error report may carry: one policy for every channel a report can leave by.

A report repeats an exception's message, a log record's text and the request's details, on the
console, in the log file, by email and to Sentry. Before any of them sees a report, these are
replaced with ``[Filtered]``:

- the value after a sensitive key, wherever the key appears: ``password=...``, ``"api_key": ...``,
  ``Authorization: Bearer ...``. A key is sensitive when it contains one of ``SENSITIVE_WORDS``;
- every value in a URL's query string: ``?token=...&page=...``;
- anything shaped like a card number: 13 to 19 digits, spaces or dashes between them, that pass
  the Luhn check;
- anything shaped like an email address.

``ScrubFilter`` applies them to a log record's message, traceback and stack before any handler
formats it; ``reporting.install`` puts one on every handler it installs, so no channel can leave it
out. The email handler scrubs the request details it copies onto a record with ``scrub_text``, and
Sentry's ``before_send`` each string of an event with ``scrub_data``.

To add a rule, add a word to ``SENSITIVE_WORDS``, or a pattern and its replacement to ``RULES``:
every channel follows.
"""

import logging
import re
from collections.abc import Callable

FILTERED = "[Filtered]"
# A key whose value is masked: "access_token", "X-Auth-Token", "new_password", "Cookie"...
SENSITIVE_WORDS = [
    "passw",
    "secret",
    "token",
    "auth",
    "cookie",
    "session",
    r"api.?key",
    "card",
    "cvc",
    "cvv",
    "email",
]
SENSITIVE_KEY = re.compile("|".join(SENSITIVE_WORDS), re.IGNORECASE)
# ``key=value``, ``key: value``, ``'key': 'value'``, ``Authorization: Bearer value``: the value runs
# to a space, a quote, a separator or a backslash (an escaped line break in a repr). A value masked
# already is left alone.
SENSITIVE_PAIR = re.compile(
    r"([\w.-]*(?:" + "|".join(SENSITIVE_WORDS) + r")[\w.-]*['\"]?(?:=|\s*:\s*)['\"]?)"
    r"(?:(?:Bearer|Basic|Token)\s+)?(?!\[Filtered\])[^\s'\"&,;)}\]\\]+",
    re.IGNORECASE,
)
# A value in a URL's query string, wherever a URL shows up (a log line, a repr, the WSGI environ).
QUERY_VALUE = re.compile(r"""([?&][^=&#\s'"<>\\]+=)(?!\[Filtered\])[^&#\s'"<>\\]+""")
CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def passes_luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def mask_card_number(match: re.Match[str]) -> str:
    """Only a number that passes the Luhn check: an order number or a timestamp stays readable."""
    return FILTERED if passes_luhn(re.sub(r"\D", "", match[0])) else match[0]


# Applied in this order: a card number is masked whole before a key's value could take part of it.
RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (CARD_NUMBER, mask_card_number),
    (EMAIL, FILTERED),
    (QUERY_VALUE, rf"\1{FILTERED}"),
    (SENSITIVE_PAIR, rf"\1{FILTERED}"),
]


def scrub_text(text: str) -> str:
    """``text`` with every rule applied."""
    for pattern, replacement in RULES:
        text = pattern.sub(replacement, text)
    return text


def is_sensitive(key: object) -> bool:
    return isinstance(key, str) and SENSITIVE_KEY.search(key) is not None


def scrub_data(value: object) -> object:
    """``value`` scrubbed however deep: strings by ``scrub_text``, and the whole value under a
    sensitive key of a mapping. Each container keeps its shape."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, dict):
        return {
            key: FILTERED if is_sensitive(key) else scrub_data(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub_data(item) for item in value]
    return value


class ScrubFilter(logging.Filter):
    """Scrub a record in place, before any handler formats it: its message (arguments merged in),
    its traceback and its stack. The exception itself is kept, for whatever reads its type."""

    traceback_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "scrubbed", False):  # by the handler before this one
            return True
        try:
            message = record.getMessage()
        except Exception as error:
            # Logging's own error path would print the raw arguments to stderr: say instead that
            # the call was wrong, with its scrubbed format string and no argument.
            message = (
                f"A log message could not be formatted ({type(error).__name__}): {record.msg!s}"
            )
        record.msg, record.args = scrub_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.traceback_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub_text(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub_text(record.stack_info)
        record.scrubbed = True
        return True
