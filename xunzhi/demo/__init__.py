"""Demo: a deterministic demo county (or city of ten counties), with weak units on purpose."""
