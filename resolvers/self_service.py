"""The data subject's own door: a rights request from the agency's website, verified by an emailed link.

The website posts the form with an INTAKE API key; the receipt is the same whether or not the address
matches a contact (no oracle), and nothing is linked automatically: the DPO links a verified request to
the contact (linkSubjectRequest). The request, its verification mail and its rate-limit counts are
written in one transaction.

What the person typed (requesterEmail, requesterName, message) is the DPO's only, and is wiped:
- when the linked contact is erased or purged (resolvers.deletion), together with every mail about them;
- 30 days after the request is closed (housekeeping below), linked or not;
- with a request never verified: 30 days after receipt it is closed as REJECTED, without a mail (the
  address was never confirmed), and then wiped as any closed request.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from auth.credentials import link_token_is_plausible, new_link_token, secret_hash
from auth.errors import BadInput, Forbidden, Gone, NotFound
from auth.principal import SYSTEM_ACTOR, Principal
from models.enums import SubjectRequestChannel, SubjectRequestStatus, SubjectRightKind
from models.gdpr import SubjectRequest
from models.organisation import Agency
from resolvers import audit, note_findings, outbox, throttle, validation
from resolvers.clock import now
from resolvers.contacts import get_contact
from resolvers.mail_templates import LANGUAGES, render
from resolvers.subject_mail import day, kind_words
from resolvers.subject_requests import RESPONSE_MONTHS, add_months, get_request, unused_reference

VERIFICATION_LIFETIME = timedelta(hours=72)
PER_EMAIL = (5, timedelta(hours=24))
PER_ADDRESS = (20, timedelta(hours=1))
KEEP_REQUESTER = timedelta(days=30)
CONFIRM_PATH = "/requests/confirm/"
# Who confirms a request, in the audit trail: the person, known by the request's reference only.
SUBJECT_ACTOR = "data-subject:{reference}"


@dataclass(frozen=True)
class RequestForm:
    kind: SubjectRightKind
    email: str
    first_name: str
    last_name: str
    message: str | None
    source_url: str
    language: str | None


def _language(value: str | None) -> str:
    language = (value or "fr").strip().lower()
    if language not in LANGUAGES:
        raise BadInput("language", "must be fr or en")
    return language


def _hashed(value: str) -> str:
    # The throttle table holds no address, email or network: a hash of it.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


# Counted per agency: one agency's website (or whoever holds its key) can neither use up a person's requests
# to another agency nor learn, from a RATE_LIMITED, that the person wrote to another agency.
def _email_key(agency_id: int, email: str) -> str:
    return f"dsr-email:{agency_id}:{_hashed(email)}"


def _address_key(agency_id: int, client: str) -> str:
    return f"dsr-address:{agency_id}:{_hashed(client[:100])}"


async def submit(principal: Principal, form: RequestForm, *, client: str, public_url: str) -> SubjectRequest:
    email = validation.email("email", form.email)
    first = validation.name("firstName", form.first_name)
    last = validation.name("lastName", form.last_name)
    message = validation.optional_text("message", form.message, max_length=validation.TEXT_MAX, multiline=True)
    source = validation.web_page("sourceUrl", form.source_url)
    language = _language(form.language)
    what = "Too many rights requests"
    counted = [_email_key(principal.agency_id, email), _address_key(principal.agency_id, client)]
    await throttle.check_key(counted[0], *PER_EMAIL, what)
    await throttle.check_key(counted[1], *PER_ADDRESS, what)
    received = now()
    token = new_link_token()
    async with in_transaction() as conn:
        agency = await Agency.get(id=principal.agency_id, using_db=conn)
        request = await SubjectRequest.create(
            agency_id=principal.agency_id,
            kind=form.kind,
            received_at=received,
            due_at=add_months(received, RESPONSE_MONTHS),
            reference=await unused_reference(conn),
            channel=SubjectRequestChannel.WEB_FORM,
            verified=False,
            verification_hash=secret_hash(token),
            verification_expires_at=received + VERIFICATION_LIFETIME,
            requester_email=email,
            requester_name=f"{first} {last}",
            message=message,
            language=language,
            source_url=source,
            using_db=conn,
        )
        if message:
            place = note_findings.Place(
                agency.id, None, note_findings.SUBJECT_REQUEST_MESSAGE, subject_request_id=request.id
            )
            await note_findings.check_text(conn, principal.actor, place, message)
        mail = render(
            "verify",
            language,
            name=request.requester_name,
            kind=kind_words(request),
            agency=agency.name,
            reference=request.reference,
            link=f"{public_url}{CONFIRM_PATH}{token}",
            due=day(request.due_at, language),
        )
        await outbox.enqueue_mail(
            conn,
            agency_id=agency.id,
            to=email,
            subject=mail.subject,
            text=mail.text,
            subject_request_id=request.id,
        )
        await throttle.fail(counted, conn)
        await audit.record(
            principal,
            "RECEIVE_SUBJECT_REQUEST",
            detail=f"subject request {request.id} {request.reference} {form.kind.value} via the website",
            connection=conn,
        )
    return request


async def _by_verification(token: str) -> SubjectRequest:
    """NOT_FOUND for a link that never existed; GONE for one that was used or has expired."""
    if not link_token_is_plausible(token):
        raise NotFound("Link")
    request = await SubjectRequest.filter(verification_hash=secret_hash(token)).first()
    if request is None:
        raise NotFound("Link")
    if request.verified:
        raise Gone("used")
    # The expiry is written with the hash that found the row (submit) and never cleared: None cannot
    # happen, and would count as expired.
    expires_at = request.verification_expires_at
    if request.status != SubjectRequestStatus.OPEN or expires_at is None or expires_at <= now():
        raise Gone("expired")
    return request


async def verification(token: str) -> SubjectRequest:
    """The request a verification link confirms (GET: shows the confirm button, changes nothing)."""
    return await _by_verification(token)


async def confirm(token: str) -> SubjectRequest:
    """POST: the request is verified, once."""
    request = await _by_verification(token)
    at = now()
    async with in_transaction() as conn:
        # Two clicks at once: only one finds it unverified.
        changed = (
            await SubjectRequest.filter(id=request.id, verified=False)
            .using_db(conn)
            .update(verified=True, verified_at=at)
        )
        if not changed:
            raise Gone("used")
        await audit.record(
            None,
            "VERIFY_SUBJECT_REQUEST",
            detail=f"subject request {request.id}: email address confirmed through the link",
            agency_id=request.agency_id,
            actor=SUBJECT_ACTOR.format(reference=request.reference),
            connection=conn,
        )
    request.verified, request.verified_at = True, at
    return request


async def link(principal: Principal, request_id: int, contact_id: int) -> SubjectRequest:
    request = await get_request(principal, request_id)
    if not request.verified:
        raise Forbidden("This request's email address is not confirmed yet: it cannot be linked to a contact")
    if request.status != SubjectRequestStatus.OPEN:
        raise BadInput("id", "this request is closed")
    contact = await get_contact(principal, contact_id)
    async with in_transaction() as conn:
        await SubjectRequest.filter(id=request.id).using_db(conn).update(contact_id=contact.id)
        await note_findings.link_to_contact(conn, request.id, contact.id)
        await audit.record(
            principal,
            "LINK_SUBJECT_REQUEST",
            contact.id,
            f"subject request {request.id} {request.reference}",
            connection=conn,
        )
    request.contact_id = contact.id
    return request


REQUESTER_WIPED = {"requester_email": None, "requester_name": None, "message": None}


async def housekeeping(at: datetime | None = None) -> tuple[int, int]:
    """Unverified web requests 30 days old are closed (REJECTED, no mail); the requester fields of requests
    closed 30 days ago are wiped. Returns (requests expired, requests wiped)."""
    at = at or now()
    cutoff = at - KEEP_REQUESTER
    stale = await SubjectRequest.filter(
        channel=SubjectRequestChannel.WEB_FORM,
        status=SubjectRequestStatus.OPEN,
        verified=False,
        received_at__lt=cutoff,
    ).values_list("id", "agency_id", "reference")
    for request_id, agency_id, reference in stale:
        async with in_transaction() as conn:
            closed = (
                await SubjectRequest.filter(id=request_id, status=SubjectRequestStatus.OPEN, verified=False)
                .using_db(conn)
                .update(status=SubjectRequestStatus.REJECTED, closed_at=at, **REQUESTER_WIPED)
            )
            if closed:
                await note_findings.forget_subject_requests([request_id], conn)
                await audit.record(
                    None,
                    "EXPIRE_SUBJECT_REQUEST",
                    detail=f"subject request {request_id} {reference}: never confirmed within 30 days",
                    agency_id=agency_id,
                    actor=SYSTEM_ACTOR,
                    connection=conn,
                )
    held = Q(requester_email__isnull=False) | Q(requester_name__isnull=False) | Q(message__isnull=False)
    to_wipe = SubjectRequest.filter(held, closed_at__lt=cutoff)
    await note_findings.forget_subject_requests([row[0] for row in await to_wipe.values_list("id")])
    wiped = await to_wipe.update(**REQUESTER_WIPED)
    return len(stale), wiped
