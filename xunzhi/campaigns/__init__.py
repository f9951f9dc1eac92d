"""Campaigns: learning-education campaigns defined by shipped TOML files (types, items, figures, rules, template)."""
