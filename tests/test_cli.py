"""The `alveole` command as an operator runs it: a real process on a real SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


def alveole(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ALVEOLE_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def alveole_with_input(args: list[str], data: bytes) -> subprocess.CompletedProcess[bytes]:
    """The CLI with `data` on its standard input, bytes in and out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALVEOLE_")}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], input=data, capture_output=True, env=env, timeout=120, check=False
    )


def test_help_lists_every_command() -> None:
    result = alveole("--help")
    assert result.returncode == 0
    for command in ("serve", "create-agency", "appoint-dpo", "schema", "notes"):
        assert command in result.stdout


def test_create_agency_takes_the_password_from_the_environment(tmp_path: Path) -> None:
    env = {"ALVEOLE_DATABASE_URL": f"sqlite://{tmp_path / 'db.sqlite3'}", "ALVEOLE_PASSWORD": "a-long-admin-passphrase"}
    created = alveole("create-agency", "Voyages Soleil", "--admin-email", "Boss@Soleil.test", env=env, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "boss@soleil.test" in created.stdout
    secret_file = tmp_path / "db.sqlite3.secret"
    assert secret_file.exists() and oct(secret_file.stat().st_mode & 0o777) == "0o600"
    assert "ALVEOLE_SECRET_KEY" in created.stderr  # the warning production must heed
    again = alveole("create-agency", "Voyages Soleil", "--admin-email", "x@soleil.test", env=env, cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_create_agency_refuses_without_a_password_and_never_takes_it_from_argv(tmp_path: Path) -> None:
    env = {"ALVEOLE_DATABASE_URL": f"sqlite://{tmp_path / 'db.sqlite3'}"}
    result = alveole("create-agency", "X", "--admin-email", "a@x.test", env=env, cwd=tmp_path)
    assert result.returncode != 0 and "ALVEOLE_PASSWORD" in result.stderr
    weak = alveole(
        "create-agency", "X", "--admin-email", "a@x.test", env={**env, "ALVEOLE_PASSWORD": "short"}, cwd=tmp_path
    )
    assert weak.returncode == 1 and "at least 12" in weak.stderr


def test_appoint_dpo_makes_an_agency_s_first_dpo_only(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    env = {"ALVEOLE_DATABASE_URL": f"sqlite://{database}", "ALVEOLE_PASSWORD": "a-long-admin-passphrase"}
    assert (
        alveole("create-agency", "Soleil", "--admin-email", "boss@soleil.test", env=env, cwd=tmp_path).returncode == 0
    )
    missing = alveole("appoint-dpo", "dpo@soleil.test", "--agency", "Lune", env=env, cwd=tmp_path)
    assert missing.returncode == 1 and "no agency has this name" in missing.stderr
    no_password = {k: v for k, v in env.items() if k != "ALVEOLE_PASSWORD"}
    refused = alveole("appoint-dpo", "dpo@soleil.test", "--agency", "Soleil", env=no_password, cwd=tmp_path)
    assert refused.returncode == 1 and "ALVEOLE_PASSWORD" in refused.stderr
    appointed = alveole("appoint-dpo", "DPO@soleil.test", "--agency", "Soleil", "--name", "Dee", env=env, cwd=tmp_path)
    assert appointed.returncode == 0, appointed.stderr
    assert "dpo@soleil.test" in appointed.stdout
    again = alveole("appoint-dpo", "other@soleil.test", "--agency", "Soleil", env=env, cwd=tmp_path)
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert "already has an active DPO: promote with setUserRole as the DPO" in again.stderr
    with sqlite3.connect(database) as db:
        staff = db.execute("SELECT email, name, role, team_id FROM app_user ORDER BY id").fetchall()
        detail = db.execute("SELECT actor, detail FROM audit_event WHERE action = 'CREATE_USER'").fetchall()
    assert staff == [("boss@soleil.test", "Administrator", "ADMIN", None), ("dpo@soleil.test", "Dee", "DPO", None)]
    assert detail == [("system", "user VXNlcjoy dpo@soleil.test: role DPO, team none (appointed with the CLI)")]


def test_bad_configuration_is_a_clear_error(tmp_path: Path) -> None:
    result = alveole(
        "create-agency",
        "X",
        "--admin-email",
        "a@x.test",
        env={"ALVEOLE_DATABASE_URL": "mysql://nope", "ALVEOLE_PASSWORD": "a-long-admin-passphrase"},
    )
    assert result.returncode == 1 and "ALVEOLE_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_printed_schema_contains_the_contract(tmp_path: Path) -> None:
    checker = SHARED / "check_contract.py"
    if not checker.exists():
        pytest.skip(f"the shared contract checker is not beside the project ({checker})")
    printed = alveole("schema")
    assert printed.returncode == 0
    sdl = tmp_path / "schema.graphql"
    sdl.write_text(printed.stdout)
    extensions = ["--with", "contract-next/door.graphql", "--with", "contract-next/partners.graphql"]
    extensions += ["--with", "contract-next/cockpit.graphql"]
    result = subprocess.run(
        [sys.executable, str(checker), str(sdl), *extensions], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout


def test_committed_schema_is_current() -> None:
    committed = Path(__file__).resolve().parents[1] / "schema" / "schema.graphql"
    assert committed.read_text() == alveole("schema").stdout, (
        "schema drifted: run `alveole schema > schema/schema.graphql`"
    )


def test_a_reader_that_stops_early_is_not_an_error_to_report(tmp_path: Path) -> None:
    """`alveole notes check < notes.txt | head -1`: the pipe closes under the command, which stops quietly."""
    notes = tmp_path / "notes.txt"
    notes.write_text("client diabétique, repas halal\n" * 50_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALVEOLE_")}
    with notes.open("rb") as stdin:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "notes", "check"],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert process.stdout is not None and process.stderr is not None
        assert b"HEALTH" in process.stdout.readline()
        process.stdout.close()  # the reader has had enough
        stderr = process.stderr.read().decode()
        process.stderr.close()
        assert process.wait(timeout=120) == 1
    assert "Traceback" not in stderr and "database" not in stderr, stderr
