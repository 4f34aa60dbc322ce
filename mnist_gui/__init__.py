"""The mnist-gui desktop app: Qt views over the engine (no training maths here)."""

__all__ = ["MainWindow", "main"]


def __getattr__(name):
    # Lazy, so that `import mnist_gui` stays cheap until the window is wanted.
    if name == "MainWindow":
        from mnist_gui.main_window import MainWindow
        return MainWindow
    if name == "main":
        from mnist_gui.app import main
        return main
    raise AttributeError(f"module 'mnist_gui' has no attribute {name!r}")
