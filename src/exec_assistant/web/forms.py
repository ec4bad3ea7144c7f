"""Reading a form: the CSRF token checked first, sizes bounded."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from exec_assistant.web.cookies import Session, SessionCookies

CSRF_FIELD = "csrf"
FORM_LIMIT_BYTES = 2 * 1024 * 1024
"""The largest part of a form (notes pasted or uploaded); the guard bounds the whole body."""


class FormTooLarge(HTTPException):
    def __init__(self) -> None:
        megabytes = FORM_LIMIT_BYTES // 1024 // 1024
        super().__init__(413, f"refused: a field of the form is larger than {megabytes} MB")


async def checked_form(request: Request, cookies: SessionCookies) -> FormData:
    """The form, when it carries this session's CSRF token; 403 otherwise, 413 when it is
    larger than FORM_LIMIT_BYTES."""
    session: Session | None = request.state.session
    try:
        form = await request.form(max_files=1, max_fields=400, max_part_size=FORM_LIMIT_BYTES)
    except HTTPException as exc:
        # Starlette's multipart parser says a part is too large as a 400; it is a 413.
        if exc.status_code == 400 and str(exc.detail).startswith("Part exceeded maximum size"):
            raise FormTooLarge() from None
        raise
    token = form.get(CSRF_FIELD)
    if session is None or not isinstance(token, str) or not cookies.csrf_matches(session, token):
        raise HTTPException(403, "refused: the form's security token is missing or stale")
    return form


def field(form: FormData, name: str, *, limit: int = 10_000) -> str:
    """A text field, stripped and cut to `limit` characters ("" when absent)."""
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""
