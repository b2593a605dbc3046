"""Times and durations the way Jenkins' pages print them (`3 min 4 sec`, `850 ms`)."""
from __future__ import annotations

from typing import Optional


def duration(ms: Optional[int]) -> str:
    if ms is None or ms < 0:
        return "N/A"
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms // 1000
    if seconds < 60:
        return f"{seconds} sec"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} sec"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} hr {minutes} min"
    days, hours = divmod(hours, 24)
    return f"{days} day {hours} hr"


def ago(timestamp_ms: Optional[int], now_ms: int) -> str:
    """`3 min 4 sec ago`; N/A for never."""
    if not timestamp_ms:
        return "N/A"
    return duration(max(0, now_ms - timestamp_ms)) + " ago"
