"""Stage 2: read and parse each configuration file safely, keeping source locations."""
