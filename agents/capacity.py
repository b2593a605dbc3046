"""Pod capacity: a cloud's `containerCap` bounds how many of its pods exist at once on this controller, and
a pod template's `instanceCap` how many pods of that template.

Like the kubernetes plugin, an allocation over the cap does not fail: it waits (the build log says why,
once) until another pod of that cloud is gone, or the build is aborted. One `PodSlots` per controller
process; every build thread allocating pods shares it.
"""
from __future__ import annotations

import threading
from typing import Callable, Optional, Sequence


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

    def snapshot(self) -> dict[str, int]:
        """Pods in use per key (a cloud name, or `cloud/template` for a template's instanceCap)."""
        with self._changed:
            return dict(self._in_use)

    def acquire(self, caps: Sequence[tuple[str, Optional[int]]], cancelled: threading.Event,
                on_wait: Callable[[str, int], None]) -> bool:
        """Take one slot of every (key, cap) at once (a cloud's containerCap, a template's instanceCap), as
        the plugin admits a pod only when both have room; False if `cancelled` was set while waiting."""
        told = False
        with self._changed:
            while True:
                full = next(((key, self._in_use.get(key, 0)) for key, cap in caps
                             if not has_room(self._in_use.get(key, 0), cap)), None)
                if full is None:
                    break
                if cancelled.is_set():
                    return False
                if not told:
                    on_wait(*full)
                    told = True
                self._changed.wait(timeout=0.2)   # short: an abort sets `cancelled` without notifying us
            for key, _cap in caps:
                self._in_use[key] = self._in_use.get(key, 0) + 1
            return True

    def release(self, keys: Sequence[str]) -> None:
        with self._changed:
            for key in keys:
                self._in_use[key] = max(0, self._in_use.get(key, 0) - 1)
            self._changed.notify_all()

POD_SLOTS = PodSlots()
