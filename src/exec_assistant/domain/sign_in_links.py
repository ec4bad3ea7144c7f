"""The web page's one-time sign-in links on one machine: a random token in the link, and
only its digest kept, so that whoever reads the store cannot sign in with what they read."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

_RANDOM_BYTES = 24
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")

SERVE_LINK_LIFETIME = timedelta(hours=24)
"""How long the link `serve` prints at its start works (once): a day, then
`exec-assistant sign-in-link` makes another."""
LINK_LIFETIME = timedelta(minutes=15)
"""How long a link made by `exec-assistant sign-in-link` works by default."""
LONGEST_LINK_LIFETIME = timedelta(hours=24)


def new_link_token() -> str:
    """192 random bits, URL-safe: 32 characters."""
    return secrets.token_urlsafe(_RANDOM_BYTES)


def is_link_token(value: str) -> bool:
    """Whether `value` has the form `new_link_token` gives (checked before it is hashed or
    looked up: a huge or control-character value goes no further)."""
    return bool(_TOKEN.fullmatch(value))


def link_digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()
