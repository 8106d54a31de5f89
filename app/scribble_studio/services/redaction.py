"""Finding a secret in text a server could echo back, in any encoding it could use.

A server may quote the key from the request's header as it was sent, URL-encoded (from
a query string), JSON-escaped (from a JSON body), or inside base64 (an ``Authorization:
Basic`` value, a token it wraps), and a message length limit may cut it anywhere. The
forms are worked out once per key (:class:`SecretForms`); :meth:`SecretForms.redact`
then replaces each, longest first.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from typing import Final
from urllib.parse import quote, quote_plus

PLACEHOLDER: Final = "[api key]"
# A cut string ending in at least this many of the key's first characters is taken to
# end in the key: 8 characters of a random key are 47+ bits, far from any chance match.
MIN_PREFIX: Final = 8
# Header values that are secret whatever they hold.
SECRET_HEADERS: Final = frozenset({"x-api-key", "authorization", "proxy-authorization",
                                   "cookie", "set-cookie"})
# What may follow a cut: an ellipsis, a closing quote, a newline.
_CUT_TAIL: Final = re.compile(r"(?:\.\.\.|…|[\s\"'`)\]}>])*\Z")
_ELLIPSIS: Final = re.compile(r"\.\.\.|…")


def _percent_forms(text: str) -> set[str]:
    forms = {quote(text, safe=""), quote_plus(text, safe=""), quote(text, safe="/:@")}
    lower = {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), f) for f in forms}
    return forms | lower


def _json_forms(text: str) -> set[str]:
    escaped = json.dumps(text)[1:-1]
    return {escaped, escaped.replace("/", "\\/")}


def _base64_runs(secret: bytes) -> set[str]:
    """The base64 characters that only the secret's bits decide, at each of the three
    alignments it can have inside a longer encoded value, in both alphabets."""
    runs = set()
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + secret).decode("ascii").rstrip("=")
        start = -(-shift * 8 // 6)  # the first character with no bit of the padding
        end = (shift + len(secret)) * 8 // 6  # past the last one wholly of the secret
        run = encoded[start:end]
        runs |= {run, run.translate(str.maketrans("+/", "-_"))}
    return runs


class SecretForms:
    """Every way ``secret`` can appear in echoed text."""

    __slots__ = ("_forms", "_pattern")

    def __init__(self, secret: str) -> None:
        forms = {secret} | _percent_forms(secret) | _json_forms(secret)
        forms |= {run for run in _base64_runs(secret.encode("utf-8")) if len(run) >= MIN_PREFIX}
        self._forms = sorted(forms, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(f) for f in self._forms))

    def redact(self, text: str) -> str:
        """``text`` with each whole form replaced, then the cut-off start of one where
        the text is cut: at its end, or before an ellipsis."""
        clean = self._pattern.sub(PLACEHOLDER, text)
        cuts = [m.start() for m in _ELLIPSIS.finditer(clean)]
        tail = _CUT_TAIL.search(clean)
        cuts.append(tail.start() if tail is not None else len(clean))
        for cut in reversed(cuts):  # from the end, so earlier positions stay right
            size = self._cut_prefix(clean[:cut])
            if size:
                clean = clean[:cut - size] + PLACEHOLDER + clean[cut:]
        return clean

    def _cut_prefix(self, body: str) -> int:
        """How many characters at the end of ``body`` are the start of a form."""
        best = 0
        for form in self._forms:
            for size in range(min(len(form) - 1, len(body)), max(best, MIN_PREFIX - 1), -1):
                if body.endswith(form[:size]):
                    best = size
                    break
        return best

    def redact_mapping(self, mapping: Mapping[str, str] | Iterable[tuple[str, str]]
                       ) -> dict[str, str]:
        """Header-like pairs with every value redacted, and secret headers hidden."""
        pairs = mapping.items() if isinstance(mapping, Mapping) else mapping
        clean: dict[str, str] = {}
        for name, value in pairs:
            shown = "[hidden]" if name.lower() in SECRET_HEADERS else self.redact(value)
            clean[self.redact(name)] = shown
        return clean
