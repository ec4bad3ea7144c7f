"""Adapters: the ports implemented on real technology (local files, SQLite, AWS) or in memory."""
