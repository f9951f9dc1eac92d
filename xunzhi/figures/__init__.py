"""Figures and rules: the campaign's figure and problem-rule definitions, computed by aggregate queries."""
