"""Google Calendar through its API: the source (incremental sync), its HTTP, the
authorization, and connecting an account (`calendars add google`)."""

import warnings

# google-api-core warns at import about Python versions it will stop supporting one day: a
# note for its maintainers' users, not for the executive reading a sync's output.
warnings.filterwarnings("ignore", message="You are using a Python version", category=FutureWarning)
