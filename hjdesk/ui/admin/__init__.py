"""The Admin page's panels: users, roll import and settings (composed by `ui/pages/admin.py`)."""
