"""What a viewer may see of the registers: the follow-ups of meetings they may open."""

from __future__ import annotations

from exec_assistant.domain.models import MeetingSummary
from exec_assistant.services.followup import Visible
from exec_assistant.web.site import WebSite
from exec_assistant.web.viewer import Viewer


def visible_to(site: WebSite, viewer: Viewer) -> Visible:
    """A delegate without the grant does not see what came from a meeting of a private
    type; what came from a meeting no longer stored has no type, and is shown."""

    def visible(meeting: MeetingSummary | None) -> bool:
        return viewer.may_see(site.is_private(meeting.meeting_type if meeting else None))

    return visible
