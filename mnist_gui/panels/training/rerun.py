"""A rerun with one change: what the builder's settings change from a run's, said for its name and the hints.

The builder holds the run's settings with its seed (``TrainingView.rerun``), so the rerun starts
from the same initial weights unless the change touches the layers, the initialiser or the seed
(``engine.replay.same_initial_weights``); then the hint says they cannot be the same.
"""

from __future__ import annotations

import html

from engine.replay import rerun_changes, same_initial_weights
from mnist_gui.state.runs import RunRecord, short_name

MAX_NAMED = 3  # changes named in a run's name; more are counted


def rerun_name(run: RunRecord, spec, config) -> str:
    """"as Run 1, learning rate 0.5": what the rerun of ``run`` with ``spec``, ``config`` changes."""
    changes = rerun_changes(run.spec, run.config, spec, config)
    said = ", ".join(changes) if len(changes) <= MAX_NAMED else f"{len(changes)} settings changed"
    return f"as {short_name(run)}, {said or 'unchanged'}"


def rerun_hint(run: RunRecord, spec, config) -> str:
    """For the hint (rich text, starting with a space): the rerun's changes so far, and whether
    it starts from ``run``'s initial weights."""
    changes = rerun_changes(run.spec, run.config, spec, config)
    what = html.escape(", ".join(changes)) if changes else (
        "nothing changed yet: change one setting (learning rate, batch size, optimiser, ...)")
    first = html.escape(short_name(run))
    if same_initial_weights(run.spec, spec):
        weights = f"it starts from the same initial weights as {first}"
    else:
        weights = ("the network's layers, initialiser or seed changed, so its initial weights "
                   f"<b>cannot be the same</b> as {first}'s")
    return f" Rerun of <b>{html.escape(run.name)}</b> with one change: {what}; {weights}."


def rerun_note(run: RunRecord, spec, config) -> str:
    """For the line under the Replay bar (rich text, short: one line at 1280x720, zoom 1.6): what
    the rerun of ``run`` changes so far, and whether it starts from ``run``'s initial weights."""
    changes = rerun_changes(run.spec, run.config, spec, config)
    first = html.escape(short_name(run))
    if not changes:
        return f"<b>Rerun of {first}</b>: change one setting (learning rate, batch size, …), then Start."
    what = html.escape(", ".join(changes))
    if same_initial_weights(run.spec, spec):
        return f"<b>Rerun of {first}</b> with {what}: the same initial weights as {first}."
    return (f"<b>Rerun of {first}</b> with {what}: its initial weights <b>cannot be the same</b> "
            f"as {first}'s (the layers, initialiser or seed changed).")
