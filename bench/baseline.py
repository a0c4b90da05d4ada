"""The baseline: the same two endpoints written by hand, a plain Starlette app on the raw driver.

Same database, same driver (aiosqlite / asyncpg), same compartment rules in SQL, same JSON shape,
and the same accountability write (one VIEW_PERSONAL audit event per contact shown, hash-chained):
what a careful developer would write without GraphQL or an ORM. Run by uvicorn, like the app:
`ALVEOLE_BENCH_BASELINE_URL=... uvicorn bench.baseline:app`.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import hashlib
import io
import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bench.rawdb import RawDatabase

PURPOSES = ("MARKETING_EMAIL", "MARKETING_SMS", "NEWSLETTER", "PARTNER_SHARING")
REQUESTS_PER_CONTACT = 5
EXPORT_CHUNK = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

db = RawDatabase(os.environ.get("ALVEOLE_BENCH_BASELINE_URL", "sqlite://bench.sqlite3"))


def opaque(type_name: str, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode().rstrip("=")


async def viewer(request: Request) -> tuple | None:
    """(user id, agency id, team id, role, email) behind the bearer token, or None."""
    token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    digest = hashlib.sha256(token.encode()).hexdigest()
    rows = await db.fetch(
        "SELECT s.expires_at, u.id, u.agency_id, u.team_id, u.role, u.email FROM session s "
        "JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = ? AND s.revoked = ? AND u.active = ?",
        digest,
        False,
        True,
    )
    if not rows or db.timestamp(rows[0][0]) <= datetime.now(UTC):
        return None
    return tuple(rows[0][1:])


def _visible_sql(role: str) -> str:
    if role == "DPO":
        return "1"
    return (
        "CASE WHEN c.visibility = 'AGENCY' OR c.owner_id = ? OR (c.visibility = 'TEAM' AND c.team_id = ?) "
        "THEN 1 ELSE 0 END"
    )


async def page(request: Request) -> Response:
    who = await viewer(request)
    if who is None:
        return JSONResponse({"errors": [{"message": "unauthenticated"}]}, status_code=401)
    user_id, agency_id, team_id, role, email = who
    first = int(request.query_params.get("first", "50"))
    params: list[Any] = [] if role == "DPO" else [user_id, team_id]
    contacts = await db.fetch(
        f"SELECT c.id, c.visibility, c.first_name, c.last_name, c.email, c.phone, o.name, t.name, {_visible_sql(role)} "
        "FROM contact c JOIN app_user o ON o.id = c.owner_id LEFT JOIN team t ON t.id = c.team_id "
        "WHERE c.agency_id = ? ORDER BY c.id DESC LIMIT ?",
        *params,
        agency_id,
        first,
    )
    ids = [row[0] for row in contacts]
    visible = [row[0] for row in contacts if row[8]]
    consents: dict[int, dict[str, bool]] = {cid: {} for cid in visible}
    if visible:
        for contact_id, purpose, granted in await db.fetch(
            "SELECT contact_id, purpose, granted FROM consent_record "
            f"WHERE contact_id IN ({db.marks(visible)}) ORDER BY id",
            *visible,
        ):
            consents[contact_id][purpose] = bool(granted)
    requests: dict[int, list[dict[str, Any]]] = {cid: [] for cid in ids}
    if ids:
        for contact_id, destination, status, advisor in await db.fetch(
            "SELECT contact_id, destination, status, advisor FROM (SELECT r.contact_id, r.destination, r.status, "
            "u.name AS advisor, ROW_NUMBER() OVER (PARTITION BY r.contact_id ORDER BY r.id DESC) AS n "
            "FROM travel_request r JOIN app_user u ON u.id = r.advisor_id "
            f"WHERE r.agency_id = ? AND r.contact_id IN ({db.marks(ids)})) ranked WHERE n <= ? ORDER BY contact_id, n",
            agency_id,
            *ids,
            REQUESTS_PER_CONTACT,
        ):
            requests[contact_id].append(
                {"node": {"destination": destination, "status": status, "advisor": {"name": advisor}}}
            )
    edges = []
    for cid, visibility, first_name, last_name, mail, phone, owner, team, shown in contacts:
        states = consents.get(cid, {})
        edges.append(
            {
                "node": {
                    "id": opaque("Contact", cid),
                    "owner": {"name": owner},
                    "team": {"name": team} if team else None,
                    "visibility": visibility,
                    "firstName": first_name if shown else None,
                    "lastName": last_name if shown else None,
                    "email": mail if shown else None,
                    "phone": phone if shown else None,
                    "consents": [{"purpose": p, "granted": states[p]} for p in PURPOSES if p in states]
                    if shown
                    else None,
                    "requests": {"edges": requests[cid]},
                }
            }
        )
    await log_views(agency_id, email, visible)
    # Encoded as the app encodes its answers (app/graphql_view.py).
    return Response(orjson.dumps({"data": {"contacts": {"edges": edges}}}), media_type="application/json")


def _digest(agency_id: int, at: datetime, actor: str, action: str, ref: str, prev: str) -> str:
    payload = json.dumps(
        [agency_id, at.isoformat(), actor, action, ref, "", prev], separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


async def log_views(agency_id: int, actor: str, contact_ids: list[int]) -> None:
    if not contact_ids:
        return
    async with db.transaction() as tx:
        # The chain's head, read by key and moved as the app does (models.gdpr.AuditChainHead).
        prev, at, rows = await tx.chain_head(agency_id, "0" * 64), datetime.now(UTC), []
        for contact_id in sorted(contact_ids):
            ref = opaque("Contact", contact_id)
            digest = _digest(agency_id, at, actor, "VIEW_PERSONAL", ref, prev)
            rows.append((agency_id, db.stamp(at), actor, "VIEW_PERSONAL", ref, "", prev, digest))
            prev = digest
        await tx.execute_many(
            "INSERT INTO audit_event (agency_id, at, actor, action, contact_ref, detail, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        await tx.execute("UPDATE audit_chain_head SET hash = ? WHERE agency_id = ?", prev, agency_id)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


async def export_csv(request: Request) -> Response:
    who = await viewer(request)
    if who is None or who[3] != "DPO":
        return Response("forbidden", status_code=403)
    agency_id = who[1]
    contact_id = int(request.path_params["contact_id"])
    found = await db.fetch(
        "SELECT id, kind, first_name, last_name, email, phone, birth_date, address, notes, created_at, "
        "last_activity_at FROM contact WHERE id = ? AND agency_id = ?",
        contact_id,
        agency_id,
    )
    if not found:
        return Response("not found", status_code=404)
    contact = [opaque("Contact", contact_id), *found[0][1:]]
    return StreamingResponse(_csv_rows(agency_id, contact_id, contact), media_type="text/csv; charset=utf-8")


def _csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue()


async def _csv_rows(agency_id: int, contact_id: int, contact: list[Any]) -> AsyncIterator[str]:
    from resolvers.export_files import HEADER  # the same columns as the app's file

    yield "\ufeff" + _csv([list(HEADER)])
    last = 0
    while True:
        chunk = await db.fetch(
            "SELECT r.id, r.status, r.destination, r.departure_date, r.return_date, r.traveler_count, r.budget_cents, "
            "r.notes, r.created_at, r.last_activity_at, u.name "
            "FROM travel_request r JOIN app_user u ON u.id = r.advisor_id "
            "WHERE r.agency_id = ? AND r.contact_id = ? AND r.id > ? ORDER BY r.id LIMIT ?",
            agency_id,
            contact_id,
            last,
            EXPORT_CHUNK,
        )
        if not chunk:
            break
        ids = [row[0] for row in chunk]
        travelers: dict[int, list[str]] = {i: [] for i in ids}
        for request_id, first, last_name, born in await db.fetch(
            f"SELECT request_id, first_name, last_name, birth_date FROM traveler WHERE request_id IN ({db.marks(ids)}) "
            "ORDER BY request_id, position, id",
            *ids,
        ):
            travelers[request_id].append(f"{first} {last_name}" + (f" ({_cell(born)})" if born else ""))
        yield _csv(
            [
                [
                    "request",
                    *contact,
                    opaque("TravelRequest", row[0]),
                    *row[1:10],
                    row[10],
                    "; ".join(travelers[row[0]]),
                    *([None] * 6),
                ]
                for row in chunk
            ]
        )
        last = ids[-1]
        if len(chunk) < EXPORT_CHUNK:
            break
    consents = await db.fetch(
        "SELECT purpose, granted, recorded_at, source, wording, recorded_by FROM consent_record WHERE contact_id = ? "
        "ORDER BY recorded_at, id",
        contact_id,
    )
    yield _csv([["consent", *contact, *([None] * 12), *row] for row in consents])


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    await db.open()
    try:
        yield
    finally:
        await db.close()


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/page", page, methods=["POST"]),
        Route("/export/{contact_id:int}.csv", export_csv),
    ],
    lifespan=lifespan,
)
