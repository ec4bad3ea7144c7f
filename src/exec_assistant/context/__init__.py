"""ContextProvider adapters: one per system of record."""
