"""Evaluation of units: the indicator system (评估指标体系), scores, grades and ranks, manual scores, satisfaction surveys."""
