"""Intake: reading messy Excel/CSV ledgers, validating every row, writing all or nothing; export and templates."""
