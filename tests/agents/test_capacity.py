"""PodSlots: a cloud's containerCap makes further pod allocations wait, never fail."""
from __future__ import annotations

import threading
import time

from orchestrator.agents.capacity import PodSlots, has_room


def test_has_room_treats_none_and_zero_as_unlimited():
    assert has_room(100, None) and has_room(100, 0)
    assert has_room(1, 2) and not has_room(2, 2)


def test_second_allocation_waits_until_the_first_pod_is_gone():
    slots, never = PodSlots(), threading.Event()
    waits: list[int] = []
    assert slots.acquire("k8s", 1, never, waits.append)
    got = threading.Event()
    waiter = threading.Thread(target=lambda: slots.acquire("k8s", 1, never, waits.append) and got.set())
    waiter.start()
    assert not got.wait(0.5)          # still waiting while the first pod exists
    assert waits == [1]               # told once, with how many pods run
    slots.release("k8s")
    assert got.wait(5)
    waiter.join()
    assert slots.in_use("k8s") == 1
    assert slots.acquire("other", 1, never, waits.append)   # caps are per cloud


def test_abort_while_waiting_takes_no_slot():
    slots, cancelled = PodSlots(), threading.Event()
    assert slots.acquire("k8s", 1, cancelled, lambda n: None)
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(slots.acquire("k8s", 1, cancelled, lambda n: None)))
    waiter.start()
    time.sleep(0.3)
    cancelled.set()
    waiter.join(5)
    assert outcome == [False]
    assert slots.in_use("k8s") == 1
