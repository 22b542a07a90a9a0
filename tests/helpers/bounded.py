"""Running checks in a separate process with a memory limit and a time limit.

A regression that lets an input blow up (an alias bomb, a `<use>` fan-out, a quadratic parse) then fails its test
with a MemoryError or a timeout, instead of taking the machine or the test run down with it. The limits are
generous: they catch explosions, not slowness, which `make bench` measures.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import Any, TypeVar

T = TypeVar("T")


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class Bounded:
    """A worker process (started fresh, not forked) that runs module-level functions under the limits."""

    def __init__(self, memory_mb: int = 1024, seconds: float = 60.0) -> None:
        self.memory_mb = memory_mb
        self.seconds = seconds
        self._pool: Pool | None = None

    def _worker(self) -> Pool:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(1, initializer=_limit_memory, initargs=(self.memory_mb,))
        return self._pool

    def __call__(self, function: Callable[..., T], *args: Any) -> T:
        pending = self._worker().apply_async(function, args)
        try:
            return pending.get(self.seconds)
        except multiprocessing.TimeoutError:
            self.close()  # the worker is stuck in the check: the next call starts a new one
            raise AssertionError(f"{function.__name__} took more than {self.seconds:.0f} s") from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
