"""`alveole bench --quick` runs every measurement end to end and reports them all (numbers sane, not judged)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a whole `alveole bench --quick`: the second stage of .ci/run

SECTIONS = ("meta", "dataset", "page", "export", "purge", "scale")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "bench", "--quick", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=900,  # a guard against a hang, not a measure: it takes 1 to 2 minutes, more on a busy machine
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(path.read_text())


def _sane_load(entry: dict) -> None:
    assert entry["requests"] > 0 and entry["errors"] == 0, entry
    assert entry["rps"] > 0
    assert 0 < entry["p50_ms"] <= entry["p95_ms"] <= entry["max_ms"]


def test_every_section_is_reported(report: dict) -> None:
    assert all(section in report for section in SECTIONS)
    assert report["meta"]["quick"] is True and report["meta"]["database"] == "sqlite"
    assert report["dataset"]["contacts"] == 2000 and report["dataset"]["requests"] == 5000


def test_the_page_is_measured_beside_an_equivalent_baseline(report: dict) -> None:
    page = report["page"]
    _sane_load(page["app"])
    _sane_load(page["baseline"])
    assert page["same_answer"] is True
    assert page["app"]["server_cpu_ms_per_request"] > 0
    assert math.isclose(page["ratio"], page["app"]["rps"] / page["baseline"]["rps"], rel_tol=0.01)


def test_exports_are_complete_and_measured(report: dict) -> None:
    export = report["export"]
    assert export["complete"] is True
    for name, run in export["runs"].items():
        assert run["status"] == 200 and run["seconds"] > 0 and run["peak_rss_mb"] > 0, name
    large = export["requests"]["large"]
    assert export["runs"][f"stream_{large}"]["records"] == large
    assert export["runs"][f"csv_{large}"]["bytes"] == export["runs"][f"baseline_{large}"]["bytes"]
    assert export["csv_speed_ratio"] > 0 and export["stream_speed_ratio"] > 0
    assert math.isfinite(export["csv_rss_growth_mb"]) and math.isfinite(export["stream_rss_growth_mb"])


def test_both_purges_delete_every_expired_request(report: dict) -> None:
    purge = report["purge"]
    for side in ("app", "baseline"):
        assert purge[side]["requests"] == purge["expired_requests"]
        assert purge[side]["contacts"] > 0 and purge[side]["rows_per_s"] > 0
        assert 0 < purge[side]["longest_transaction_ms"] <= purge[side]["longest_with_wait_ms"]
    assert purge["page_during_purge"]["errors"] == 0
    assert purge["ratio"] > 0


def test_the_page_is_measured_at_three_sizes(report: dict) -> None:
    scale = report["scale"]
    assert [p["contacts"] for p in scale["points"]] == [500, 1000, 2000]
    for point in scale["points"]:
        _sane_load(point)
    assert scale["p50_growth"] > 0 and scale["errors"] == 0
