"""Stage 1: find the node folders under the paths and group them into clusters."""
