"""The pure core: models, rules and calculations. No I/O, no frameworks."""
