"""Signing in to the web page with Slack (the AWS deployment's way; `LinkSignIn` is the one
of a single machine).

- `GET /sign-in`: a page with a *Sign in with Slack* button (the page asked for is kept in
  `next`).
- `GET /sign-in/slack`: a 303 to Slack's authorize page with a fresh `state` and `nonce`,
  both also kept in a short-lived cookie for this browser (HttpOnly, SameSite=Lax: the way
  back from Slack is a cross-site top-level navigation, which a Strict cookie would miss),
  signed with the session key and carrying the `next` path.
- `GET /sign-in/slack/callback`: the state checked (the cookie's, the same as the address's,
  not expired, not used before), the code exchanged and the identity token verified
  (`SlackOpenId`), then a session for the executive, or for a delegate on the list (who sees
  meetings of a private type only if the configuration grants it), in the configured
  workspace. Anyone else gets a 403 page saying who they are signed in to Slack as.

Every failure is a `WebSignInFailed` shown as a page with what happened and what to do; the
state cookie is spent either way.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from exec_assistant.adapters.memory import InMemorySeenEventRepository
from exec_assistant.domain.calendar_consent import (
    digest,
    is_authorization_code,
    is_token,
    new_token,
)
from exec_assistant.domain.errors import (
    ConfigError,
    WebSignInDeclined,
    WebSignInFailed,
    WebSignInRefused,
    WebSignInStateInvalid,
)
from exec_assistant.ports import Clock, SeenEventRepository
from exec_assistant.slack.secrets import SLACK_CLIENT_ID, SLACK_CLIENT_SECRET
from exec_assistant.web.cookies import SessionCookies
from exec_assistant.web.guard import SIGN_IN_PATH, safe_next
from exec_assistant.web.render import Pages
from exec_assistant.web.slack_openid import SlackIdentity, SlackOpenId, SlackOpenIdSettings
from exec_assistant.web.viewer import Role, Viewer

if TYPE_CHECKING:
    from exec_assistant.ports import SecretStore
    from exec_assistant.settings import Settings
    from exec_assistant.web.sign_in import SessionStarter

__all__ = [
    "CALLBACK_PATH",
    "START_PATH",
    "SlackOpenIdSettings",
    "SlackSignIn",
    "slack_open_id_settings",
    "viewer_for",
]

log = logging.getLogger(__name__)

START_PATH = SIGN_IN_PATH + "/slack"
CALLBACK_PATH = START_PATH + "/callback"
STATE_COOKIE = "ea_slack_sign_in"
STATE_LIFETIME = timedelta(minutes=10)
"""From the click on *Sign in with Slack* until Slack sends the browser back."""
_MAX_COOKIE = 4096
SIGN_IN_AGAIN = "Sign in again from this page."


@dataclass(frozen=True)
class PendingSignIn:
    """What the state cookie holds: the sign-in begun in this browser."""

    state: str
    nonce: str
    next_path: str
    expires_at: datetime


class SlackSignIn:
    """Sign in with Slack for `settings`' executive and delegates. `client` reaches Slack
    (its timeouts apply: `slack_open_id.slack_http_client()`); `clock` judges the state's and
    the identity token's times; `cookies` signs the state cookie; `spent_states` remembers
    the states used (by default in this process; the AWS deployment can pass its state
    table's, which every instance sees)."""

    def __init__(
        self,
        settings: SlackOpenIdSettings,
        *,
        client: httpx.Client,
        clock: Clock,
        cookies: SessionCookies,
        spent_states: SeenEventRepository | None = None,
    ) -> None:
        self.settings = settings
        self._openid = SlackOpenId(settings, client, clock)
        self._clock = clock
        self._cookies = cookies
        self._spent = spent_states or InMemorySeenEventRepository(clock)
        self._secure = settings.redirect_uri.startswith("https://")

    public_paths = frozenset({SIGN_IN_PATH, START_PATH, CALLBACK_PATH})

    def routes(self, pages: Pages, sessions: SessionStarter) -> list[BaseRoute]:
        async def sign_in(request: Request) -> Response:
            next_path = safe_next(request.query_params.get("next"))
            if request.state.session is not None:
                return RedirectResponse(next_path, status_code=303)
            return _page(pages, request, next_path)

        async def start(request: Request) -> Response:
            pending = PendingSignIn(
                state=new_token(),
                nonce=new_token(),
                next_path=safe_next(request.query_params.get("next")),
                expires_at=self._clock.now() + STATE_LIFETIME,
            )
            response = RedirectResponse(
                self._openid.authorize_url(pending.state, pending.nonce), status_code=303
            )
            response.set_cookie(
                STATE_COOKIE,
                self._state_cookie(pending),
                max_age=int(STATE_LIFETIME.total_seconds()),
                httponly=True,
                samesite="lax",
                secure=self._secure,
                path=START_PATH,
            )
            return response

        async def callback(request: Request) -> Response:
            next_path = "/"
            try:
                pending = await run_in_threadpool(self._spend, request)
                next_path = pending.next_path
                code = _code(request)
                identity = await run_in_threadpool(self._openid.identify, code, pending.nonce)
                viewer = viewer_for(identity, self.settings)
            except WebSignInFailed as exc:
                log.info("web sign-in refused", extra={"reason": exc.reason})
                response: Response = _page(
                    pages, request, next_path, failure=exc, status_code=exc.status
                )
            else:
                log.info("web sign-in", extra={"user_id": viewer.user_id, "role": viewer.role})
                response = sessions.start(viewer, next_path)
            response.delete_cookie(
                STATE_COOKIE, path=START_PATH, httponly=True, samesite="lax", secure=self._secure
            )
            return response

        return [
            Route(SIGN_IN_PATH, sign_in, methods=["GET"]),
            Route(START_PATH, start, methods=["GET"]),
            Route(CALLBACK_PATH, callback, methods=["GET"]),
        ]

    # ---- the state ----------------------------------------------------------------------

    def _state_cookie(self, pending: PendingSignIn) -> str:
        body = {
            "s": pending.state,
            "n": pending.nonce,
            "next": pending.next_path,
            "exp": int(pending.expires_at.timestamp()),
        }
        payload = base64.urlsafe_b64encode(json.dumps(body, separators=(",", ":")).encode())
        text = payload.decode("ascii").rstrip("=")
        return f"{text}.{self._cookies.sign(text)}"

    def _pending(self, value: str | None) -> PendingSignIn | None:
        """The sign-in in the cookie; None when it is missing, altered, unreadable or
        expired."""
        if not value or len(value) > _MAX_COOKIE or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._cookies.sign(payload)):
            return None
        try:
            body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            now = self._clock.now()
            pending = PendingSignIn(
                state=str(body["s"]),
                nonce=str(body["n"]),
                next_path=safe_next(str(body["next"])),
                expires_at=datetime.fromtimestamp(int(body["exp"]), tz=now.tzinfo),
            )
        except (ValueError, KeyError, TypeError):
            return None
        return pending if pending.expires_at > now else None

    def _spend(self, request: Request) -> PendingSignIn:
        """The sign-in this callback completes: its state is the cookie's, and is spent
        now, whatever follows."""
        states = request.query_params.getlist("state")
        state = states[0] if len(states) == 1 else None
        if state is None or not is_token(state):
            raise WebSignInStateInvalid(
                "This address is not the end of a sign-in this site started.",
                reason="no_state",
                hint=SIGN_IN_AGAIN,
            )
        pending = self._pending(request.cookies.get(STATE_COOKIE))
        if pending is None:
            raise WebSignInStateInvalid(
                "This sign-in was started in another browser, or more than "
                f"{int(STATE_LIFETIME.total_seconds() // 60)} minutes ago, or it is over "
                "already.",
                reason="no_pending_sign_in",
                hint=SIGN_IN_AGAIN,
            )
        if not hmac.compare_digest(state, pending.state):
            raise WebSignInStateInvalid(
                "This sign-in is not the one this browser started (another was started "
                "since, or the address was altered).",
                reason="state_mismatch",
                hint=SIGN_IN_AGAIN,
            )
        expires = int(pending.expires_at.timestamp())
        if not self._spent.first_seen("web-sign-in:" + digest(state), expires):
            raise WebSignInStateInvalid(
                "This sign-in has been completed already; each one works once.",
                reason="state_spent",
                hint=SIGN_IN_AGAIN,
            )
        return pending


def _code(request: Request) -> str:
    params = request.query_params
    error = params.get("error")
    if error is not None:
        if error == "access_denied":
            raise WebSignInDeclined(
                "The sign-in was cancelled at Slack; no session was started.",
                reason="access_denied",
                hint=SIGN_IN_AGAIN,
            )
        raise WebSignInDeclined(
            "Slack ended the sign-in with an error; no session was started.",
            reason="slack_error",
            hint=SIGN_IN_AGAIN,
        )
    codes = params.getlist("code")
    if len(codes) != 1 or not is_authorization_code(codes[0]):
        raise WebSignInStateInvalid(
            "Slack's answer has no sign-in code; no session was started.",
            reason="no_code",
            hint=SIGN_IN_AGAIN,
        )
    return codes[0]


def viewer_for(identity: SlackIdentity, settings: SlackOpenIdSettings) -> Viewer:
    """The viewer `identity` signs in as: the executive, or a delegate on the list (seeing
    private meetings as the configuration says), in the configured workspace.
    WebSignInRefused for anyone else."""
    who = _described(identity)
    if settings.team_id is not None and identity.team_id != settings.team_id:
        raise WebSignInRefused(
            f"You are signed in to Slack as {who} in another workspace than this "
            "assistant's; nothing here is open to that account.",
            reason="other_workspace",
            hint="Sign in again with your account in the assistant's workspace.",
        )
    if identity.user_id == settings.executive_user_id:
        return Viewer(identity.user_id, identity.name, Role.EXECUTIVE, sees_private=True)
    if identity.user_id in settings.delegates:
        return Viewer(
            identity.user_id,
            identity.name,
            Role.DELEGATE,
            sees_private=settings.delegates_see_private,
        )
    raise WebSignInRefused(
        f"You are signed in to Slack as {who}, who is not on this assistant's list: only the "
        "executive and the delegates they named may open it.",
        reason="not_on_the_list",
        hint=f"If you should see it, ask the executive to add your member ID "
        f"({identity.user_id}) to the delegates.",
    )


def _described(identity: SlackIdentity) -> str:
    """ "Alex Kim (alex@example.com, member ID U0ALEX)"."""
    details = [identity.email] if identity.email and identity.email != identity.name else []
    details.append(f"member ID {identity.user_id}")
    return f"{identity.name} ({', '.join(details)})"


def _page(
    pages: Pages,
    request: Request,
    next_path: str,
    *,
    failure: WebSignInFailed | None = None,
    status_code: int = 200,
) -> Response:
    start_href = START_PATH + (f"?{urlencode({'next': next_path})}" if next_path != "/" else "")
    return pages.render(
        request,
        "sign_in_slack.html",
        status_code=status_code,
        failure=failure,
        refused=isinstance(failure, WebSignInRefused),
        start_href=start_href,
        continue_to=next_path,
    )


def slack_open_id_settings(
    settings: Settings, secrets: SecretStore, *, web_url: str | None
) -> SlackOpenIdSettings:
    """The sign-in with Slack of the deployment at `web_url` (`https://…`, the WEB_URL the
    infrastructure sets): the Slack app's client id and secret from `secrets` (on AWS the
    Slack secret's `client_id` and `client_secret`), the executive, the delegates and the
    workspace from `settings`. ConfigError naming each that is missing."""
    client_id = (secrets.get(SLACK_CLIENT_ID) or "").strip()
    client_secret = (secrets.get(SLACK_CLIENT_SECRET) or "").strip()
    wanted = {
        f"{SLACK_CLIENT_ID} (the Slack secret's client_id)": client_id,
        f"{SLACK_CLIENT_SECRET} (the Slack secret's client_secret)": client_secret,
        "EXEC_ASSISTANT_SLACK_USER_ID": settings.slack_user_id or "",
        "WEB_URL": (web_url or "").strip(),
    }
    missing = [name for name, value in wanted.items() if not value]
    if missing or web_url is None or settings.slack_user_id is None:
        names = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
        raise ConfigError(
            f"the web page's sign-in with Slack needs {names}, which "
            f"{'is' if len(missing) == 1 else 'are'} not set",
            hint="The web page signs people in with the Slack app: store its Client ID and "
            "Client Secret (Basic Information → App Credentials) in the Slack secret, and list "
            f"{(web_url or 'https://WEB_URL').rstrip('/')}{CALLBACK_PATH} under the app's "
            "OAuth & Permissions → Redirect URLs with the user scopes openid, profile, email.",
        )
    return SlackOpenIdSettings(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=web_url.strip().rstrip("/") + CALLBACK_PATH,
        executive_user_id=settings.slack_user_id,
        team_id=settings.slack_team_id,
        delegates=tuple(settings.web_delegates),
        delegates_see_private=settings.web_delegates_see_private,
    )
