"""The mnist-gui desktop app: Qt views over the engine (no training maths here)."""
