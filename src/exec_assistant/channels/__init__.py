"""ChatChannel adapters: the terminal, an outbox file, Slack."""
