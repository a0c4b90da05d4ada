"""Closed-loop load: N concurrent HTTP clients, each sending its request again as soon as answered.

Bounded in time and in count; only loopback servers started by the benchmark are targets.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import httpx

MAX_REQUESTS_PER_CLIENT = 200_000


@dataclass(frozen=True)
class Call:
    path: str
    body: bytes
    headers: dict[str, str]


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)
    first_error: str | None = None

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, float | int | str | None]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p95_ms": round(self.percentile(0.95), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "max_ms": round(self.percentile(1.0), 2),
            "first_error": self.first_error,
        }


async def _client(
    base_url: str,
    call: Call,
    result: LoadResult,
    start: asyncio.Event,
    deadline: list[float],
    record: list[bool],
    stop: asyncio.Event,
) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60.0) as http:
        await start.wait()
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.perf_counter() >= deadline[0] or stop.is_set():
                return
            began = time.perf_counter()
            try:
                response = await http.post(call.path, content=call.body, headers=call.headers)
                failed = response.status_code != 200 or b'"errors"' in response.content
                detail = f"HTTP {response.status_code}: {response.text[:300]}" if failed else None
            except httpx.HTTPError as error:
                failed, detail = True, f"{type(error).__name__}: {error}"
            if not record[0]:
                continue
            result.requests += 1
            result.latencies.append(time.perf_counter() - began)
            if failed:
                result.errors += 1
                result.first_error = result.first_error or detail


async def hammer(
    base_url: str, calls: list[Call], seconds: float, warmup: float = 0.5, stop: asyncio.Event | None = None
) -> LoadResult:
    """One client per call, all at once, for `warmup` (not recorded) then `seconds` or until `stop` is set."""
    result = LoadResult()
    start, record, stop = asyncio.Event(), [False], stop or asyncio.Event()
    deadline = [time.perf_counter() + 3600.0]
    tasks = [asyncio.create_task(_client(base_url, call, result, start, deadline, record, stop)) for call in calls]
    await asyncio.sleep(0)
    start.set()
    await asyncio.sleep(warmup)
    record[0] = True
    began = time.perf_counter()
    deadline[0] = began + seconds
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - began
    return result
