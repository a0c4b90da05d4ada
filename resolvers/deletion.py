"""Definitive deletion, shared by erasure (Art. 17) and the retention purge (Art. 5(1)(e)).

Rows holding a person's data: the contact (search column included), its requests and travelers
(cascade), its consent records (cascade). Subject requests are unlinked (SET NULL); audit events
never held personal data. SQLite runs with secure_delete, so freed pages are zeroed; the WAL is
checkpointed and truncated afterwards so no old page image survives there either. PostgreSQL
leaves dead tuples until VACUUM: we run it on the touched tables after each erasure or purge.
"""
from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.connection import get_connection

from models.crm import Contact, Traveler, TravelRequest
from models.gdpr import ConsentRecord, SubjectRequest

TOUCHED_TABLES = ("traveler", "travel_request", "consent_record", "contact", "subject_request")


async def delete_requests(request_ids: list[int], conn: BaseDBAsyncClient) -> int:
    if not request_ids:
        return 0
    await Traveler.filter(request_id__in=request_ids).using_db(conn).delete()
    return await TravelRequest.filter(id__in=request_ids).using_db(conn).delete()


async def delete_contacts(contact_ids: list[int], conn: BaseDBAsyncClient) -> tuple[int, int]:
    """Deletes contacts and everything holding their data; returns (requests, consent records) deleted."""
    if not contact_ids:
        return 0, 0
    request_ids = await TravelRequest.filter(contact_id__in=contact_ids).using_db(conn).values_list("id", flat=True)
    requests = await delete_requests(list(request_ids), conn)
    consents = await ConsentRecord.filter(contact_id__in=contact_ids).using_db(conn).delete()
    await SubjectRequest.filter(contact_id__in=contact_ids).using_db(conn).update(contact_id=None)
    await Contact.filter(id__in=contact_ids).using_db(conn).delete()
    return requests, consents


async def scrub_free_space() -> None:
    """Run after the deleting transaction has committed."""
    connection = get_connection("default")
    if connection.capabilities.dialect == "sqlite":
        await connection.execute_script("PRAGMA wal_checkpoint(TRUNCATE);")
    else:
        for table in TOUCHED_TABLES:
            await connection.execute_script(f'VACUUM "{table}";')
