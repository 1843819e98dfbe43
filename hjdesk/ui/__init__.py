"""ui layer (see architecture.md §2)."""
