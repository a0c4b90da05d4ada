"""Root fields: a website's contact form (API key with scope INTAKE)."""

from __future__ import annotations

import strawberry

from resolvers import intake
from resolvers.ids import encode_id
from schema.context import Info
from schema.inputs import ContactFormInput


def _form(input: ContactFormInput) -> intake.ContactForm:
    return intake.ContactForm(
        first_name=input.first_name,
        last_name=input.last_name,
        email=input.email,
        phone=input.phone,
        destination=input.destination,
        departure_date=input.departure_date,
        # An explicit null means the default, as in createTravelRequest.
        traveler_count=1 if input.traveler_count is None else input.traveler_count,
        message=input.message,
        source_url=input.source_url,
        consents=[intake.ConsentBox(c.purpose, c.granted, c.wording) for c in input.consents],
    )


@strawberry.type
class IntakeMutations:
    @strawberry.mutation(
        description="API key with scope INTAKE. Creates a prospect, its travel request and one consent record "
        "per box (unticked boxes as refusals); returns the request's id."
    )
    async def submit_contact_form(self, info: Info, input: ContactFormInput) -> strawberry.ID:
        request = await intake.submit_contact_form(info.context.viewer, _form(input))
        return strawberry.ID(encode_id("TravelRequest", request.id))
