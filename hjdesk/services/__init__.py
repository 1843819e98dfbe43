"""Use cases: one function = one user action = one transaction (architecture.md §2)."""
