"""Reads of the evaluation: the scores of the units under a unit (computed, never stored)."""

from __future__ import annotations

from xunzhi.evaluation.scoring import ScoreTable, level_kind, unit_scores

__all__ = ["ScoreTable", "level_kind", "unit_scores"]
