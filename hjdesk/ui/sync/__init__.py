"""The Sync page's parts: enrolment, the conflicts list with its side-by-side comparison, and the
needed-by warnings (composed by `ui/pages/sync.py`)."""
