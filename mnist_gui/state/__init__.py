"""State: Qt models with signals and no widgets, shared by the panels."""
