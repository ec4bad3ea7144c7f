"""The providers that renew the credentials a secret holds: OAuth token endpoints and Slack."""
