"""Pages rendered from Jinja2 templates shipped with the package, escaped by default."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from exec_assistant.display_text import visible
from exec_assistant.web.cookies import Session, SessionCookies


def _shown(value: Any) -> Any:
    """Every string a template prints, its control characters and right-to-left overrides
    shown as escapes (a title cannot reverse the text after it); escaped as HTML after."""
    return visible(value, multiline=True) if isinstance(value, str) else value


NAVIGATION = (
    ("fortnight", "/", "Fortnight"),
    ("commitments", "/commitments", "Commitments"),
    ("decisions", "/decisions", "Decisions"),
    ("usage", "/usage", "Usage"),
)


class Pages:
    """Renders a page with what every page shows: who is signed in, the navigation, the
    executive's zone, and the CSRF token its forms carry."""

    def __init__(self, cookies: SessionCookies, zone: ZoneInfo) -> None:
        self._cookies = cookies
        self.zone = zone
        self._env = Environment(
            loader=PackageLoader("exec_assistant.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            finalize=_shown,
        )
        self._env.filters["when"] = self.when
        self._env.filters["time"] = self.time_of_day
        self._env.filters["day"] = self.day
        self._env.globals["zone_name"] = zone.key

    def render(
        self, request: Request, template: str, *, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        session: Session | None = request.state.session
        page = self._env.get_template(template)
        html = page.render(
            session=session,
            viewer=session.viewer if session else None,
            csrf=self._cookies.csrf_token(session) if session else "",
            navigation=NAVIGATION,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def when(self, value: datetime | None) -> str:
        """ "Mon 30 Nov 09:00 EST": a day and time in the executive's zone, the zone named."""
        if value is None:
            return "—"
        local = value.astimezone(self.zone)
        return f"{local:%a %d %b %H:%M} {local.tzname()}"

    def time_of_day(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return f"{value.astimezone(self.zone):%H:%M}"

    def day(self, value: datetime | date) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.zone).date()
        return f"{value:%A %d %B %Y}"
