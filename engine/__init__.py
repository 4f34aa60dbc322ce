"""The mnist-gui engine: a small NumPy library for feed-forward networks, MNIST data and training.

Pure NumPy: importing it never imports Qt. Modules are named after the maths: ``layers``,
``losses``, ``initialisers``, ``optimisers``, ``schedules``, ``network``, ``training``, and for the
data ``dataset``, ``idx``, ``sources``, ``download``; plus ``presets``, ``baseline`` (the mean-digit
classifier) and ``preprocessing`` (drawings to MNIST format).
"""

__version__ = "0.1.0"
