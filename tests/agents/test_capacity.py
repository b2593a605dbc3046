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
    waits: list[tuple[str, int]] = []
    record = lambda key, n: waits.append((key, n))   # noqa: E731
    assert slots.acquire([("k8s", 1)], never, record)
    got = threading.Event()
    waiter = threading.Thread(target=lambda: slots.acquire([("k8s", 1)], never, record) and got.set())
    waiter.start()
    assert not got.wait(0.5)          # still waiting while the first pod exists
    assert waits == [("k8s", 1)]      # told once, with what is full and how many pods run
    slots.release(["k8s"])
    assert got.wait(5)
    waiter.join()
    assert slots.in_use("k8s") == 1
    assert slots.acquire([("other", 1)], never, record)   # caps are per key


def test_cloud_and_template_caps_are_admitted_together():
    slots, never = PodSlots(), threading.Event()
    waits: list[tuple[str, int]] = []
    assert slots.acquire([("k8s", 5), ("k8s/maven", 1)], never, lambda k, n: None)
    assert slots.acquire([("k8s", 5), ("k8s/go", 1)], never, lambda k, n: None)   # another template: room
    got = threading.Event()
    waiter = threading.Thread(target=lambda: slots.acquire([("k8s", 5), ("k8s/maven", 1)], never,
                                                           lambda k, n: waits.append((k, n))) and got.set())
    waiter.start()
    assert not got.wait(0.5)
    assert waits == [("k8s/maven", 1)] and slots.in_use("k8s") == 2   # nothing taken while waiting
    slots.release(["k8s", "k8s/maven"])
    assert got.wait(5)
    waiter.join()
    assert (slots.in_use("k8s"), slots.in_use("k8s/maven")) == (2, 1)


def test_abort_while_waiting_takes_no_slot():
    slots, cancelled = PodSlots(), threading.Event()
    assert slots.acquire([("k8s", 1)], cancelled, lambda k, n: None)
    outcome: list[bool] = []
    waiter = threading.Thread(target=lambda: outcome.append(slots.acquire([("k8s", 1)], cancelled,
                                                                          lambda k, n: None)))
    waiter.start()
    time.sleep(0.3)
    cancelled.set()
    waiter.join(5)
    assert outcome == [False]
    assert slots.in_use("k8s") == 1
