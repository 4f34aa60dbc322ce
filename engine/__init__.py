"""The mnist-gui engine: a small NumPy library for feed-forward and convolutional networks.

Pure NumPy: importing it never imports Qt. Modules are named after the maths and read in this
order: ``layers`` and ``convolution``, ``losses``, ``initialisers``, ``optimisers``, ``schedules``,
``network``, ``training``; then what a lesson computes from a network (``evaluation``, ``baseline``
(the mean-digit classifier), ``inspection``, ``step_trace``, ``filter_trace``, ``saliency``,
``projection``, ``layer_statistics``, ``gradient_check``, ``lr_finder``, ``translation``), and
``experiments`` and ``presets``. ``dataset`` and ``preprocessing`` hold images in memory.

Where data comes from and goes to is in the :mod:`engine.files` package: the IDX and CSV formats,
data sources and downloads, model and session files, atomic writes and untrusted archives.
"""

from engine.version import __version__  # noqa: F401  (from the package metadata)
