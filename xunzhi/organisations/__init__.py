"""Organisations: the unit tree (materialised path), member counts, the 领导班子 flag, and leaders."""
