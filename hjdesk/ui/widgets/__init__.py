"""Widgets shared by more than one feature folder: the message line, the form-row builder, the
encounter-style fields, the fields that read a stored value back as stored, the row table, the
withdraw dialog. They import nothing of `ui/pages` or of the feature folders (import-linter
contract "UI: pages over features over shared widgets")."""
