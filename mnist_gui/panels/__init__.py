"""One package per panel: each renders state and sends intent; panels never import each other."""
