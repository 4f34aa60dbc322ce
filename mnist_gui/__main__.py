"""``python -m mnist_gui``: the same as the ``mnist-gui`` command."""

import sys

from mnist_gui.app import main

sys.exit(main())
