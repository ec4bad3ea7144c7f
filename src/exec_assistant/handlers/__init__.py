"""Lambda entry points: one thin module per function."""
