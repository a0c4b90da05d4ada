"""complianceReport: what the /dpo dashboard draws, computed from the agency's own data only."""

from __future__ import annotations

from datetime import timedelta

import pytest

import resolvers.audit
from models import (
    AuditEvent,
    OutboxMessage,
    OutboxStatus,
    SubjectRequest,
    SubjectRequestStatus,
    SubjectRightKind,
    TravelRequest,
    Visibility,
)
from resolvers.clock import now
from resolvers.retention import months_before
from tests.world import World, gid, make_contact, make_world

REPORT = """{ complianceReport {
  generatedAt overdueSubjectRequests subjectRequestsDueWithin7Days
  subjectRequestsByStatus { status count } contactsByVisibility { visibility count }
  consentsByMonth { month purpose granted withdrawn } retentionDueNow retentionForecast { month count }
  viewDays personalDataViews { actor daily total peak flagged } dailyViewMedians
  noteFindingsByCategory { category count covered } auditChainOk auditEventsChecked breachCount
  nextBreachNotificationDeadline mailByStatus { status count } mailFailures
  webhookDeliveriesByStatus { status count } webhookFailures
} }"""
VIEW = "query($id: ID!) { contact(id: $id) { firstName } }"


@pytest.fixture
async def world(client) -> World:
    return await make_world()


async def test_the_report_counts_what_the_dashboard_draws(client, world: World, monkeypatch) -> None:
    at = now()
    agency = world.agency
    for status, due in (
        (SubjectRequestStatus.OPEN, at - timedelta(days=2)),  # overdue
        (SubjectRequestStatus.OPEN, at + timedelta(days=3)),  # due within 7 days
        (SubjectRequestStatus.OPEN, at + timedelta(days=20)),
        (SubjectRequestStatus.DONE, at - timedelta(days=40)),
    ):
        await SubjectRequest.create(
            agency=agency, kind=SubjectRightKind.ACCESS, status=status, received_at=due - timedelta(days=30), due_at=due
        )
    owner = world.users["owner"]
    # One request expiring in two months' time: the agency keeps 36 months after the last activity.
    expiring = await make_contact(agency, owner, Visibility.AGENCY, "EXPQ")
    old = months_before(at, 34) - timedelta(days=1)
    await TravelRequest.filter(contact_id=expiring.id).update(last_activity_at=old)
    # Notes: a covered HEALTH finding and an uncovered judgement.
    shared = gid("Contact", world.contacts[Visibility.AGENCY].id)
    note = 'mutation($id: ID!) { updateContact(id: $id, patch: {notes: "Diabétique et radin"}) { id } }'
    await client.data(note, {"id": shared}, world.tokens["owner"])
    consent = """mutation($id: ID!) { recordConsent(input: {contactId: $id, purpose: SPECIAL_CATEGORY_DATA,
      granted: true, source: "desk", wording: "Santé"}) { id } }"""
    await client.data(consent, {"id": shared}, world.tokens["owner"])
    # Views: three actors look at a few contacts a day; on one day the mate looks at many more.
    monkeypatch.setattr(resolvers.audit, "now", lambda: at - timedelta(days=3))
    for position, times in (("owner", 2), ("other_team", 2), ("mate", 9)):
        for _ in range(times):
            await client.data(VIEW, {"id": shared}, world.tokens[position])
    monkeypatch.undo()
    for status in (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.FAILED):
        await OutboxMessage.create(
            agency=agency,
            transport="mail",
            status=status,
            recipient="x@example.org",
            body="b",
            created_at=at,
            next_attempt_at=at,
        )

    # A partner's webhook that answers nothing: one delivery given up, one still trying.
    for status in (OutboxStatus.FAILED, OutboxStatus.PENDING):
        await OutboxMessage.create(
            agency=agency,
            transport="webhook",
            status=status,
            recipient="https://partner.example/hook",
            body="{}",
            created_at=at,
            next_attempt_at=at,
        )

    report = (await client.data(REPORT, token=world.tokens["dpo"]))["complianceReport"]
    assert report["overdueSubjectRequests"] == 1 and report["subjectRequestsDueWithin7Days"] == 1
    assert {r["status"]: r["count"] for r in report["subjectRequestsByStatus"]} == {"OPEN": 3, "DONE": 1, "REJECTED": 0}
    assert {r["visibility"]: r["count"] for r in report["contactsByVisibility"]} == {
        "ADVISOR": 1,
        "TEAM": 1,
        "AGENCY": 2,
    }  # the other agency's contact is not counted
    months = report["consentsByMonth"]
    assert len(months) == 12 * 5 and months[-1]["month"] == f"{at.year:04d}-{at.month:02d}"
    this_month = {m["purpose"]: (m["granted"], m["withdrawn"]) for m in months[-5:]}
    assert this_month["NEWSLETTER"] == (4, 0) and this_month["SPECIAL_CATEGORY_DATA"] == (1, 0)
    assert report["retentionDueNow"] == 0
    assert [m["count"] for m in report["retentionForecast"]] == [0, 1] + [0] * 10
    assert len(report["viewDays"]) == 30 and report["viewDays"][-1] == at.date().isoformat()
    views = {v["actor"]: v for v in report["personalDataViews"]}
    mate, owner_views = views[world.users["mate"].email], views[owner.email]
    assert mate["daily"][-4] == 9 and mate["total"] == 9 and mate["peak"] == 9
    assert report["dailyViewMedians"][-4] == 2
    assert mate["flagged"] and not owner_views["flagged"]  # 9 > 3 x 2; 2 is not
    findings = {c["category"]: (c["count"], c["covered"]) for c in report["noteFindingsByCategory"]}
    assert findings["HEALTH"] == (1, 1) and findings["JUDGEMENT"] == (1, 0) and findings["RELIGION"] == (0, 0)
    assert report["auditChainOk"] and report["auditEventsChecked"] > 0
    assert report["breachCount"] == 0 and report["nextBreachNotificationDeadline"] is None
    assert {m["status"]: m["count"] for m in report["mailByStatus"]} == {
        "PENDING": 0,
        "HELD": 0,
        "SENT": 1,
        "FAILED": 2,
    }
    assert report["mailFailures"] == 2  # the webhook's failure is not a mail's
    assert {m["status"]: m["count"] for m in report["webhookDeliveriesByStatus"]} == {
        "PENDING": 1,
        "HELD": 0,
        "SENT": 0,
        "FAILED": 1,
    }
    assert report["webhookFailures"] == 1

    # An altered audit event shows at once.
    event = await AuditEvent.filter(agency_id=agency.id).order_by("id").first()
    await AuditEvent.filter(id=event.id).update(detail="edited")
    assert not (await client.data(REPORT, token=world.tokens["dpo"]))["complianceReport"]["auditChainOk"]


async def test_only_the_dpo_reads_the_report(client, world: World) -> None:
    for position in ("owner", "admin"):
        assert await client.error_code(REPORT, token=world.tokens[position]) == "FORBIDDEN"
    assert await client.error_code(REPORT) == "UNAUTHENTICATED"
    foreign = (await client.data(REPORT, token=world.tokens["foreign_dpo"]))["complianceReport"]
    assert {r["visibility"]: r["count"] for r in foreign["contactsByVisibility"]} == {
        "ADVISOR": 0,
        "TEAM": 0,
        "AGENCY": 1,
    }
