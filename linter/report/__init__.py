"""Stage 5: print findings for people (text) and tools (json)."""
