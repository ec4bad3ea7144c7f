"""Pack generators: agents on a model, and the offline generator."""
