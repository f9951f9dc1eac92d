"""Ledgers: the six ledger kinds (activities, projects, problems, resources, reported values, visits)."""
