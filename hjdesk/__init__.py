"""HJDesk: offline-first encrypted clinical desktop for healthcare in secure settings."""

__version__ = "0.1.0"
