"""The embedded default: a data folder with a SQLite database and a document folder."""
