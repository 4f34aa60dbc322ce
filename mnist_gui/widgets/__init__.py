"""Shared widgets: pieces more than one panel shows."""
