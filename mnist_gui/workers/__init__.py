"""The one worker pattern (a job run off the GUI thread) and the jobs it runs."""
