"""Audit: who changed what, when, before → after, and through which interface (the audit log)."""
