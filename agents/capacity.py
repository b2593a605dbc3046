"""Pod capacity: a cloud's `containerCap` bounds how many of its pods exist at once on this controller.

Like the kubernetes plugin, an allocation over the cap does not fail: it waits (the build log says why,
once) until another pod of that cloud is gone, or the build is aborted. One `PodSlots` per controller
process; every build thread allocating pods shares it.
"""
from __future__ import annotations

import threading
from typing import Callable, Optional


def has_room(in_use: int, cap: Optional[int]) -> bool:
    """None or 0 means unlimited, as in JCasC."""
    return not cap or in_use < cap


class PodSlots:
    def __init__(self) -> None:
        self._in_use: dict[str, int] = {}
        self._changed = threading.Condition()

    def in_use(self, cloud: str) -> int:
        with self._changed:
            return self._in_use.get(cloud, 0)

    def acquire(self, cloud: str, cap: Optional[int], cancelled: threading.Event,
                on_wait: Callable[[int], None]) -> bool:
        """Take one slot of `cloud`; False if `cancelled` was set while waiting (nothing taken)."""
        told = False
        with self._changed:
            while not has_room(self._in_use.get(cloud, 0), cap):
                if cancelled.is_set():
                    return False
                if not told:
                    on_wait(self._in_use.get(cloud, 0))
                    told = True
                self._changed.wait(timeout=0.2)   # short: an abort sets `cancelled` without notifying us
            self._in_use[cloud] = self._in_use.get(cloud, 0) + 1
            return True

    def release(self, cloud: str) -> None:
        with self._changed:
            self._in_use[cloud] = max(0, self._in_use.get(cloud, 0) - 1)
            self._changed.notify_all()


POD_SLOTS = PodSlots()
