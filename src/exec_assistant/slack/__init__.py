"""Slack: the executive's chat interface (the App, its three ways of being served, rendering)."""
