"""Root fields of storage limitation (Art. 5(1)(e)): the retention policy and deliberate deletion."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers import retention
from resolvers.ids import decode_id
from schema.context import Info


@strawberry.type
class RetentionReport:
    cutoff: datetime = strawberry.field(description="Now minus the agency's retentionMonths.")
    dry_run: bool
    request_count: int = strawberry.field(description="Requests whose last activity is before cutoff.")
    contact_count: int = strawberry.field(description="Contacts left with no request and inactive since cutoff.")
    recipients_to_notify: int = strawberry.field(
        description="Webhooks told (in a dry run, that would be told) of the purged contacts' erasure (Art. 19)."
    )

    @classmethod
    def of(cls, report: retention.Report) -> RetentionReport:
        return cls(
            cutoff=report.cutoff,
            dry_run=report.dry_run,
            request_count=report.request_count,
            contact_count=report.contact_count,
            recipients_to_notify=report.recipients_to_notify,
        )


@strawberry.type
class RetentionQueries:
    @strawberry.field(description="DPO. What applyRetention would delete now.")
    async def retention_preview(self, info: Info) -> RetentionReport:
        return RetentionReport.of(await retention.retention_preview(info.context.viewer))


@strawberry.type
class RetentionMutations:
    @strawberry.mutation(description="DPO. Deletes for good what the retention period expired (dryRun: only counts).")
    async def apply_retention(self, info: Info, dry_run: bool = True) -> RetentionReport:
        return RetentionReport.of(await retention.apply_retention(info.context.viewer, dry_run))

    @strawberry.mutation(description="DPO. Deletes these requests and their travelers for good; all or nothing.")
    async def delete_travel_requests(self, info: Info, ids: list[strawberry.ID]) -> int:
        request_ids = [decode_id("TravelRequest", value) for value in ids]
        return await retention.delete_travel_requests(info.context.viewer, request_ids)
