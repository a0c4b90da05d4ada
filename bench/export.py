"""A person's full export (Art. 15 / 20): the CSV download link and @stream GraphQL, beside a raw-SQL CSV.

Each download is timed from the request to the last byte, while the server's resident memory is
sampled: what matters is that it stays flat however many requests the person has.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from bench.servers import PeakMemory, Server
from resolvers.ids import encode_id

LINK = "query($id: ID!) { subjectAccessExport(contactId: $id) { csvUrl } }"
CSV_GOAL = 0.5  # speed, app / the raw-SQL-to-CSV endpoint
STREAM_GOAL = 0.7

STREAMED = """query($id: ID!) { subjectAccessExport(contactId: $id) { requests @stream(initialCount: 0) {
  id status destination departureDate returnDate travelerCount budgetCents createdAt lastActivityAt notes
  advisor { name } travelers { firstName lastName birthDate } } } }"""
MULTIPART = "multipart/mixed;deferSpec=20220824, application/json"


def _download(server: Server, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """Streams the body to its end; time, size, and the server's peak memory meanwhile."""
    size, lines, records = 0, 0, 0
    with PeakMemory(server.pid) as memory:
        began = time.perf_counter()
        with httpx.stream(method, url, timeout=600, **kwargs) as response:
            status = response.status_code
            tail = b""
            for chunk in response.iter_bytes():
                size += len(chunk)
                lines += chunk.count(b"\n")
                window = tail + chunk
                records += window.count(b'"destination"') - tail.count(b'"destination"')
                tail = window[-16:]
        seconds = time.perf_counter() - began
    return {
        "status": status,
        "seconds": round(seconds, 3),
        "bytes": size,
        "lines": lines,
        "records": records,
        "peak_rss_mb": round(memory.peak_mb, 1),
        "rss_growth_mb": round(memory.growth_mb, 1),
    }


def csv_via_link(app: Server, dpo_token: str, contact_id: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {dpo_token}"}
    answer = httpx.post(
        f"{app.url}/graphql",
        json={"query": LINK, "variables": {"id": encode_id("Contact", contact_id)}},
        headers=headers,
        timeout=60,
    ).json()
    if "errors" in answer:
        raise RuntimeError(f"subjectAccessExport failed: {answer['errors'][0].get('message')}")
    return _download(app, "GET", answer["data"]["subjectAccessExport"]["csvUrl"])


def streamed_graphql(app: Server, dpo_token: str, contact_id: int) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {dpo_token}", "Accept": MULTIPART, "Content-Type": "application/json"}
    body = json.dumps({"query": STREAMED, "variables": {"id": encode_id("Contact", contact_id)}})
    return _download(app, "POST", f"{app.url}/graphql", content=body, headers=headers)


def baseline_csv(baseline: Server, dpo_token: str, contact_id: int) -> dict[str, Any]:
    return _download(
        baseline, "GET", f"{baseline.url}/export/{contact_id}.csv", headers={"Authorization": f"Bearer {dpo_token}"}
    )


def measure(app: Server, baseline: Server, dpo_token: str, people: dict[int, int]) -> dict[str, Any]:
    """`people`: request count -> contact id, a small person and a large one."""
    small, large = sorted(people)
    # Warm-up: imports, caches and the allocator's first growth are not what is measured.
    csv_via_link(app, dpo_token, people[small])
    streamed_graphql(app, dpo_token, people[small])
    baseline_csv(baseline, dpo_token, people[small])
    runs: dict[str, dict[str, Any]] = {}
    # Small then large for each kind: the growth compares the two peaks of the same kind of download.
    for kind, download, server in (
        ("csv", csv_via_link, app),
        ("stream", streamed_graphql, app),
        ("baseline", baseline_csv, baseline),
    ):
        for count in (small, large):
            runs[f"{kind}_{count}"] = download(server, dpo_token, people[count])
    base = runs[f"baseline_{large}"]["seconds"]
    csv_speed = base / runs[f"csv_{large}"]["seconds"] if runs[f"csv_{large}"]["seconds"] else 0.0
    stream_speed = base / runs[f"stream_{large}"]["seconds"] if runs[f"stream_{large}"]["seconds"] else 0.0
    csv_growth = runs[f"csv_{large}"]["peak_rss_mb"] - runs[f"csv_{small}"]["peak_rss_mb"]
    stream_growth = runs[f"stream_{large}"]["peak_rss_mb"] - runs[f"stream_{small}"]["peak_rss_mb"]
    complete = (
        runs[f"csv_{large}"]["status"] == 200
        and runs[f"csv_{large}"]["lines"] > large
        and runs[f"stream_{large}"]["records"] == large
    )
    return {
        "requests": {"small": small, "large": large},
        "runs": runs,
        "csv_speed_ratio": round(csv_speed, 3),
        "stream_speed_ratio": round(stream_speed, 3),
        "csv_rss_growth_mb": round(csv_growth, 1),
        "stream_rss_growth_mb": round(stream_growth, 1),
        "complete": complete,
        "goal": "CSV speed >= 0.5 x and @stream >= 0.7 x the raw CSV endpoint; peak RSS growth < 30 MB from the "
        "small to the large person",
        "met": complete
        and csv_speed >= CSV_GOAL
        and stream_speed >= STREAM_GOAL
        and csv_growth < 30
        and stream_growth < 30,
    }
