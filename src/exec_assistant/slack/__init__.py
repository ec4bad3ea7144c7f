"""Slack: the executive's chat, through one Bolt app (served over HTTP, Socket Mode and Lambda)
and the Web API."""
