"""The web page's one-time sign-in links on one machine: made by `serve` at its start and by
`exec-assistant sign-in-link`, spent by the first browser that opens one in time."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from exec_assistant.domain.sign_in_links import is_link_token, link_digest, new_link_token
from exec_assistant.ports import Clock, SignInLinkRepository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IssuedLink:
    token: str
    expires_at: datetime


class SignInLinks:
    def __init__(self, links: SignInLinkRepository, clock: Clock) -> None:
        self._links = links
        self._clock = clock

    def issue(self, valid_for: timedelta) -> IssuedLink:
        """A new token, which `redeem` takes once within `valid_for`."""
        if valid_for <= timedelta(0):
            raise ValueError("a sign-in link works for some time: valid_for must be positive")
        issued = IssuedLink(new_link_token(), self._clock.now() + valid_for)
        self._links.add(link_digest(issued.token), issued.expires_at)
        log.info("sign-in link made", extra={"valid_seconds": int(valid_for.total_seconds())})
        return issued

    def redeem(self, token: str) -> bool:
        """True once for a token issued and not expired; False for any other (a value that
        is not a token is not even looked up), and for it again."""
        if not is_link_token(token):
            return False
        return self._links.take(link_digest(token), self._clock.now())
