"""What no error report may carry: one policy for every channel a report can leave by.

A report repeats an exception's message, a log record's text and the request's details, on the
console, in the log file, by email and to Sentry. Before any of them sees a report, these are
replaced with ``[Filtered]``:

- the value after a sensitive key, wherever the key appears: ``password=...``, ``password = ...``,
  ``"api_key": "..."``, ``('pin', '...')``, ``Authorization: Bearer ...``. A quoted value is
  masked to its closing quote, an unquoted one to the end of the line, over spaces, up to the next
  ``key=`` or ``key:``. A key is sensitive when it contains one of ``SENSITIVE_WORDS``;
- every value in a URL's query string: ``?token=...&page=...``, and the path segment after one
  that names a secret: ``/reset-password/...``, ``/api/tokens/...``;
- what is shaped like a secret, whatever its key: a card number (13 to 19 digits that pass the
  Luhn check), an IBAN (that passes its check digits), an email address, a JWT, a bare
  ``Bearer ...``, the credentials in ``scheme://user:password@host``, a PEM block, and the access
  keys of AWS, GitHub, GitLab, Slack, Stripe and Google (``SHAPES``);
- within a request, **the values the request itself sent as secrets**, wherever they reappear
  (``request_values``): its query values, its cookies, its sensitive headers, and the path
  parameters and body members under sensitive names. ``int(password)`` raising ``invalid literal
  for int() with base 10: '...'``, or a ``KeyError`` of a token, names the value with no key or
  shape to recognise it by; it is masked all the same.

The client's address is left out of every report: the access log has it, beside the request id
every report carries. A user agent is reported, scrubbed like any text.

``ScrubFilter`` applies the policy to a log record's message, traceback and stack before any handler
formats it; ``reporting.install`` puts one on every handler it installs, so no channel can leave it
out. The email handler scrubs the request details it copies onto a record with ``scrub_text`` and
``scrub_url``, Sentry's ``before_send`` each string of an event with ``scrub_data``, and
``gunicorn.conf.py`` its access log's path and user agent.

To add a rule, add a word to ``SENSITIVE_WORDS``, a pattern to ``SHAPES`` or a rule to ``RULES``:
every channel follows. A new channel (a log shipper, a span exporter) passes each text it sends
through ``scrub_text`` (a URL through ``scrub_url``, structured data through ``scrub_data``), in the
request's thread while the request is there, so that the request's own values are known.
"""

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote, quote_plus

from flask import has_request_context, request

FILTERED = "[Filtered]"
SPELLINGS_KEY = f"{__package__}.request_spellings"
# A key whose value is masked: "access_token", "X-Auth-Token", "new_password", "Cookie"... Short
# words match only between other characters than letters: "card_pin", not "shipping".
SENSITIVE_WORDS = [
    "passw",
    "passphrase",
    "passcode",
    "secret",
    "token",
    "auth",
    "cookie",
    "session",
    "credential",
    r"api.?key",
    r"private.?key",
    "card",
    "cvc",
    "cvv",
    "iban",
    "email",
    r"(?<![a-z])(?:pwd|pin|ssn|otp)(?![a-z])",
]
SENSITIVE_KEY = re.compile("|".join(SENSITIVE_WORDS), re.IGNORECASE)
KEY = r"[\w.-]*(?:" + "|".join(SENSITIVE_WORDS) + r")[\w.-]*"
# ``key=value``, ``key: value``, ``key = value``, ``"key": "value"``, ``('key', 'value')``, then the
# value: quoted (to its closing quote, escapes included), or an authorization scheme and its
# credentials, or words up to the end of the line, a ``&``, a quote or an escaped line break, and
# up to the next word that is a key itself.
WORD = r"""[^\s&'"\\]+"""
SENSITIVE_PAIR = re.compile(
    rf"""(?P<key>{KEY}(?P<quoted>['"])?"""
    r"""(?:[ \t]*[=:][ \t]*|(?(quoted)[ \t]*,[ \t]*(?=['"])|(?!))))"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""
    rf"""|(?:(?:Bearer|Basic|Token|Digest)[ \t]+)?{WORD}(?:[ \t]+(?![\w.-]+[ \t]*[=:]){WORD})*)""",
    re.IGNORECASE,
)
# A value in a URL's query string, wherever a URL shows up (a log line, a repr, the WSGI environ).
QUERY_VALUE = re.compile(r"""([?&][^=&#\s'"<>\\]+=)(?!\[Filtered\])[^&#\s'"<>\\]+""")
# A path segment that names a secret, and the segment after it: "/reset-password/<the token>".
SECRET_SEGMENT = re.compile(
    rf"(/[^/?#\s]*(?:{'|'.join(SENSITIVE_WORDS)})[^/?#\s]*/)([^/?#\s]+)",
    re.IGNORECASE,
)
URL = re.compile(r"""\b[a-z][a-z0-9+.-]*://[^\s'"<>\\]+""", re.IGNORECASE)
CARD_NUMBER = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
# Grouped by four, as IBANs are written, or not at all.
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Secrets known by their shape alone.
SHAPES = [
    re.compile(r"\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]*"),  # a JSON Web Token
    re.compile(r"(?<=\b(?:Bearer|Digest) )[\w.~+/=-]{8,}|(?<=\bBasic )[A-Za-z0-9+/=]{8,}"),
    re.compile(r"(?<=://)[^/@\s'\"<>:]*:[^/@\s'\"<>]*(?=@)"),  # the user and password of a URL
    re.compile(r"-----BEGIN [A-Z0-9 ]+-----(?:.*?-----END [A-Z0-9 ]+-----|.*)", re.DOTALL),
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),  # AWS access key ids
    re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_\w{22,}|glpat-[\w-]{20,})"),
    re.compile(r"\bxox[abprs]-[\w-]{10,}"),  # Slack
    re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),  # Stripe
    re.compile(r"\bAIza[\w-]{35}"),  # Google API keys
]
# Values the request sent that are shorter than this are not looked for elsewhere: "1" or "on"
# would mask every such text of a report, and are no secret worth the name.
SHORTEST_VALUE = 4


def passes_luhn(digits: str) -> bool:
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def mask_card_number(match: re.Match[str]) -> str:
    """Only a number that passes the Luhn check: an order number or a timestamp stays readable."""
    return FILTERED if passes_luhn(re.sub(r"\D", "", match[0])) else match[0]


def mask_iban(match: re.Match[str]) -> str:
    """Only an IBAN whose check digits hold (ISO 13616: the number mod 97 is 1)."""
    compact = match[0].replace(" ", "")
    number = "".join(str(int(character, 36)) for character in compact[4:] + compact[:4])
    return FILTERED if int(number) % 97 == 1 else match[0]


def mask_value(match: re.Match[str]) -> str:
    value = match["value"]
    quote_mark = value[0] if value[0] in "'\"" and len(value) > 1 else ""
    return f"{match['key']}{quote_mark}{FILTERED}{quote_mark}"


def scrub_url(url: str) -> str:
    """``url`` (or a path) without its credentials, its query values and the segment after a
    path segment that names a secret."""
    return SECRET_SEGMENT.sub(rf"\1{FILTERED}", scrub_text(url))


def mask_secret_segments(match: re.Match[str]) -> str:
    return SECRET_SEGMENT.sub(rf"\1{FILTERED}", match[0])


# Applied in this order: a card number is masked whole before a key's value could take part of it.
RULES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    *[(shape, FILTERED) for shape in SHAPES],
    (URL, mask_secret_segments),  # after a URL's credentials are masked: they may name a secret
    (CARD_NUMBER, mask_card_number),
    (IBAN, mask_iban),
    (EMAIL, FILTERED),
    (QUERY_VALUE, rf"\1{FILTERED}"),
    (SENSITIVE_PAIR, mask_value),
]


def is_sensitive(key: object) -> bool:
    return isinstance(key, str) and SENSITIVE_KEY.search(key) is not None


def sensitive_members(value: object, sensitive: bool = False) -> Iterator[str]:
    """The strings of ``value`` (parsed JSON) under a sensitive key, however deep."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from sensitive_members(item, sensitive or is_sensitive(key))
    elif isinstance(value, list):
        for item in value:
            yield from sensitive_members(item, sensitive)
    elif sensitive and value is not None and not isinstance(value, bool):
        yield str(value)


def request_values() -> set[str]:
    """What the current request sent as secrets, as it sent them: the values of its query string
    and its cookies, of its sensitive headers (an ``Authorization`` header's credentials too), and
    of its path parameters, form fields and JSON members under sensitive names. A body the view
    did not read is read here: ``MAX_CONTENT_LENGTH`` and ``REQUEST_BODY_TIMEOUT`` bound it."""
    values: list[str] = [*request.args.values(), *request.cookies.values()]
    for name, value in request.headers.items():
        if is_sensitive(name):
            values += [value, value.partition(" ")[2]]
    for name, value in (request.view_args or {}).items():
        if is_sensitive(name):
            values.append(str(value))
    if match := SECRET_SEGMENT.search(request.path):
        values.append(match[2])
    try:
        values += [value for name, value in request.form.items(multi=True) if is_sensitive(name)]
        if request.is_json:
            # From the bytes, not Flask's parsed JSON, which others may have changed since (an
            # older sentry-sdk masks its members in place, in the request's own copy).
            values += sensitive_members(json.loads(request.get_data()))
    except Exception:  # a body that cannot be read (too long, too slow) or parsed: nothing to mask
        pass
    return {value for value in values if len(value) >= SHORTEST_VALUE}


def spellings(value: str) -> Iterable[str]:
    """``value`` as a report may spell it: as sent, in a repr, in JSON, percent-encoded."""
    escaped = [repr(value)[1:-1], json.dumps(value)[1:-1]]
    return {value, *escaped, quote(value, safe=""), quote_plus(value)}


def request_spellings() -> list[str]:
    """Every spelling of what the current request sent as secrets, the longest first (one may
    hold another). Worked out once per request, on first use, and kept in its WSGI environ: a
    report (or a span) scrubs many strings."""
    known: list[str] | None = request.environ.get(SPELLINGS_KEY)
    if known is None:
        values = {spelling for value in request_values() for spelling in spellings(value)}
        known = request.environ[SPELLINGS_KEY] = sorted(values, key=len, reverse=True)
    return known


def mask_request_values(text: str) -> str:
    if not has_request_context():
        return text
    for value in request_spellings():
        text = text.replace(value, FILTERED)
    return text


def scrub_text(text: str) -> str:
    """``text`` with every rule applied, after the current request's own values."""
    text = mask_request_values(text)
    for pattern, replacement in RULES:
        # A pair's key holds a sensitive word: without one, the slowest rule has nothing to do.
        if pattern is SENSITIVE_PAIR and not SENSITIVE_KEY.search(text):
            continue
        text = pattern.sub(replacement, text)
    return text


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
    if isinstance(value, tuple):  # a span's sequence attribute (a captured header's values)
        return tuple(scrub_data(item) for item in value)
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
