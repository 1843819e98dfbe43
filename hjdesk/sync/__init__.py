"""sync layer (see architecture.md §2)."""
