"""Slack: the executive's chat, through one Bolt app and the Web API."""
