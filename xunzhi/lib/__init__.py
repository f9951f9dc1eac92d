"""Small pure helpers shared by every app (environment parsing, text normalisation)."""
