"""Supervision loop: findings of a visit become problems; the unit's rectification is submitted,
closed (销号) or returned, each step kept as the problem's history; attention lists, the 整改台账
export and each unit's 督导档案 timeline."""
