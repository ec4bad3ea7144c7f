"""The authorized-user JSON object every calendar authorization is stored as (`token`,
`refresh_token`, `token_uri`, `client_id`, `client_secret`, `expiry`, `scopes`, `provider`):
the shape google-auth reads and writes, which the secret rotation and every calendar source
read too."""

from __future__ import annotations

from datetime import UTC, datetime


def scope_name(scope: str) -> str:
    """`https://graph.microsoft.com/Calendars.Read` and `Calendars.Read` as one name
    (Microsoft answers either form)."""
    return scope.rstrip("/").rsplit("/", 1)[-1].lower()


def expiry_text(when: datetime) -> str:
    """UTC without an offset and with a Z: what google-auth writes and reads back (and the
    calendar sources read)."""
    return when.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat() + "Z"
