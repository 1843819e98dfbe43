"""The parts of the patient record page: its header, its tabs, and the dialogs it opens."""
