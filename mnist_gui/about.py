"""The Help > About text: what the app is and the versions it runs on."""

from __future__ import annotations

import platform

from engine.version import __version__ as VERSION

APP_NAME = "MNIST GUI"


def versions() -> dict[str, str]:
    """Versions of the app and what it runs on, for the About box and bug reports."""
    import numpy
    import PySide6
    from PySide6.QtCore import qVersion
    return {"mnist-gui": VERSION, "Python": platform.python_version(),
            "PySide6": PySide6.__version__, "Qt": qVersion(), "NumPy": numpy.__version__}


def about_html() -> str:
    rows = "".join(f"<tr><td>{k}</td><td>&nbsp;{v}</td></tr>" for k, v in versions().items())
    return (f"<h2>{APP_NAME} {VERSION}</h2>"
            "<p>Learn how neural networks learn: train one on handwritten digits and watch it "
            "happen.</p>"
            "<p>MNIST: Y. LeCun, C. Cortes and C. J. C. Burges. Fashion-MNIST: Zalando Research.</p>"
            f"<table>{rows}</table><p>Open source, MIT licence.</p>")
