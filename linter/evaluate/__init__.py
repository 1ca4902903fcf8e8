"""Stage 4: evaluate the policies against each cluster model."""
