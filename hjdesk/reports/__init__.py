"""Printed outputs (domain.md §10): ReportLab PDFs built from service read models, in memory.

Nothing is written to disk here; the caller saves the bytes only where the user chose.
"""
