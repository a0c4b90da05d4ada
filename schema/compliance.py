"""Root field of the DPO's dashboard (/dpo): complianceReport, everything the page draws, counts only."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from models.enums import ConsentPurpose, OutboxStatus, SensitiveCategory, SubjectRequestStatus, Visibility
from resolvers import compliance
from schema.context import Info


@strawberry.type
class SubjectRequestStatusCount:
    status: SubjectRequestStatus
    count: int


@strawberry.type
class MailStatusCount:
    status: OutboxStatus
    count: int


@strawberry.type
class OutboxStatusCount:
    status: OutboxStatus
    count: int


@strawberry.type
class VisibilityCount:
    visibility: Visibility
    count: int


@strawberry.type(description="Consent decisions recorded in a month for a purpose.")
class ConsentMonth:
    month: str = strawberry.field(description="YYYY-MM")
    purpose: ConsentPurpose
    granted: int
    withdrawn: int


@strawberry.type
class MonthCount:
    month: str = strawberry.field(description="YYYY-MM: the month starting on that day of the month")
    count: int


@strawberry.type(description="Views of personal data by one actor (a user's email or api-key:<name>), per day.")
class ActorViews:
    actor: str
    daily: list[int] = strawberry.field(description="one count per day of ComplianceReport.viewDays")
    total: int
    peak: int
    flagged: bool = strawberry.field(
        description="on some day, more than 3x the median of that day's views by the agency's actors (Art. 32)"
    )


@strawberry.type
class CategoryCount:
    category: SensitiveCategory
    count: int
    covered: int = strawberry.field(description="findings covered by a SPECIAL_CATEGORY_DATA consent")


@strawberry.type(description="What the /dpo dashboard draws: the state of compliance, in counts.")
class ComplianceReport:
    generated_at: datetime
    overdue_subject_requests: int
    subject_requests_due_within_7_days: int
    subject_requests_by_status: list[SubjectRequestStatusCount]
    contacts_by_visibility: list[VisibilityCount]
    consents_by_month: list[ConsentMonth] = strawberry.field(description="the last 12 months, oldest first")
    retention_due_now: int = strawberry.field(description="requests the next purge deletes")
    retention_forecast: list[MonthCount] = strawberry.field(
        description="requests the purge will delete in each of the next 12 months"
    )
    view_days: list[date] = strawberry.field(description="the last 30 days, oldest first")
    personal_data_views: list[ActorViews]
    daily_view_medians: list[float]
    note_findings_by_category: list[CategoryCount]
    audit_chain_ok: bool
    audit_events_checked: int
    breach_count: int
    next_breach_notification_deadline: datetime | None
    mail_by_status: list[MailStatusCount] = strawberry.field(
        description="the mail outbox: FAILED gave up after the last try, HELD waits for ALVEOLE_SMTP_URL"
    )
    mail_failures: int
    staff_changes_last_30_days: int = strawberry.field(
        description="users created, and roles, teams or active flags changed, in the last 30 days (see staffChanges)"
    )
    webhook_deliveries_by_status: list[OutboxStatusCount] = strawberry.field(
        description="webhook deliveries to partners in the outbox: FAILED gave up after the last try"
    )
    webhook_failures: int


@strawberry.type
class ComplianceQueries:
    @strawberry.field(description="DPO. The state of compliance, as the /dpo dashboard draws it.")
    async def compliance_report(self, info: Info) -> ComplianceReport:
        r = await compliance.report(info.context.viewer)
        return ComplianceReport(
            generated_at=r.generated_at,
            overdue_subject_requests=r.overdue_subject_requests,
            subject_requests_due_within_7_days=r.subject_requests_due_within_7_days,
            subject_requests_by_status=[
                SubjectRequestStatusCount(status=SubjectRequestStatus(s), count=n)
                for s, n in r.subject_requests_by_status.items()
            ],
            contacts_by_visibility=[
                VisibilityCount(visibility=Visibility(v), count=n) for v, n in r.contacts_by_visibility.items()
            ],
            consents_by_month=[
                ConsentMonth(month=c.month, purpose=ConsentPurpose(c.purpose), granted=c.granted, withdrawn=c.withdrawn)
                for c in r.consents_by_month
            ],
            retention_due_now=r.retention_due_now,
            retention_forecast=[MonthCount(month=m, count=n) for m, n in r.retention_forecast],
            view_days=r.days,
            personal_data_views=[
                ActorViews(actor=v.actor, daily=v.daily, total=v.total, peak=v.peak, flagged=v.flagged) for v in r.views
            ],
            daily_view_medians=r.daily_medians,
            note_findings_by_category=[
                CategoryCount(category=SensitiveCategory(c.category), count=c.count, covered=c.covered)
                for c in r.note_findings
            ],
            audit_chain_ok=r.audit_chain_ok,
            audit_events_checked=r.audit_events_checked,
            breach_count=r.breaches,
            next_breach_notification_deadline=r.next_breach_deadline,
            mail_by_status=[MailStatusCount(status=OutboxStatus(s), count=n) for s, n in r.mail_by_status.items()],
            mail_failures=r.mail_by_status[OutboxStatus.FAILED.value],
            staff_changes_last_30_days=r.staff_changes,
            webhook_deliveries_by_status=[
                OutboxStatusCount(status=OutboxStatus(s), count=n) for s, n in r.webhook_by_status.items()
            ],
            webhook_failures=r.webhook_by_status[OutboxStatus.FAILED.value],
        )
