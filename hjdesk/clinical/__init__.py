"""clinical layer (see architecture.md §2)."""
