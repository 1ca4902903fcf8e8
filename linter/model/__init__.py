"""Stage 3: the typed, read-only cluster model built from the parsed files."""
