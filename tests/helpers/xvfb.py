"""A virtual X screen of its own for tests that need the real window (Xvfb)."""

from __future__ import annotations

import os
import subprocess


class VirtualScreen:
    """Xvfb at `width`x`height`, on a display it chose itself: two tests never share one, whatever else runs."""

    def __init__(self, width: int, height: int) -> None:
        read, write = os.pipe()
        self.server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write,),
        )
        os.close(write)
        with os.fdopen(read) as announced:  # Xvfb writes the number once it accepts clients
            number = announced.readline().strip()
        if not number:
            self.server.wait(timeout=10)
            raise AssertionError(f"Xvfb did not start (exit code {self.server.returncode})")
        self.display = f":{number}"

    def close(self) -> None:
        self.server.terminate()
        self.server.wait(timeout=10)
