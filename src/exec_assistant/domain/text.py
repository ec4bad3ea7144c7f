"""Small wording helpers, so counts read right."""

from __future__ import annotations

import re
import unicodedata


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 decision', '3 decisions', '1 open action item'."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s/?#@:]*):[^\s/?#@]*@")


def without_passwords(text: str) -> str:
    """Text that may hold URLs, with any password in them shown as ***:
    'https://jordan:s3cret@cal.example/x.ics' reads 'https://jordan:***@cal.example/x.ics'."""
    return _URL_PASSWORD.sub(r"\1:***@", text)


def folded(text: str) -> str:
    """Text as a search compares it: 'Décidé: ZOË's Straße' reads "decide: zoe's strasse"
    (accents dropped, case folded, compatibility forms such as 'ﬁ' spelled out)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
