"""storage layer (see architecture.md §2)."""
