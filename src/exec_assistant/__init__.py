"""exec-assistant: an AI executive assistant for meetings."""

__version__ = "0.1.0"
