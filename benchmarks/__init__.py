"""Performance suite (architecture.md §9); not part of the test run."""
