"""sync/hub layer (see architecture.md §2)."""
