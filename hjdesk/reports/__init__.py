"""reports layer (see architecture.md §2)."""
