"""The ids of the buttons, forms and fields the assistant sends Slack, which Slack sends
back with each click and submission: shared by the rendering and the listeners, and light
enough for the webhook's cold start."""

ACTION_PREP_NOW = "prep_now"
ACTION_USE_DEFAULTS = "use_defaults"
ACTION_SNOOZE = "snooze"
ACTION_SKIP = "skip_meeting"
ACTION_RECLASSIFY = "reclassify"
ACTION_ACCEPT_NOTES = "accept_notes"
ACTION_EDIT_NOTES = "edit_notes"
ACTION_PASTE_NOTES = "paste_notes"

VIEW_ANSWERS = "prep_answers"
VIEW_RECLASSIFY = "reclassify"
VIEW_EDIT_NOTES = "edit_notes"
VIEW_PASTE_NOTES = "paste_notes"

ANSWER_ACTION = "answer"
TYPE_ACTION = "meeting_type"
NOTES_BLOCK = "notes"
NOTES_ACTION = "notes"
