"""The mnist-gui engine: a small NumPy library for feed-forward networks, MNIST data and training.

Pure NumPy: importing it never imports Qt. Modules are named after the maths: ``layers``,
``losses``, ``initialisers``, ``optimisers``, ``schedules``, ``network``, ``training``, and for the
data ``dataset``, ``idx``, ``csv_table``, ``sources``, ``download`` (over ``http_stream``); plus
``presets``, ``baseline`` (the mean-digit classifier), ``preprocessing`` (drawings to MNIST
format), ``model_file`` (saving and loading networks), ``memory`` (estimates, and refusing what
cannot fit) and ``atomic`` (files written whole or not at all).
"""

from engine.version import __version__  # noqa: F401  (from the package metadata)
