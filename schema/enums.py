"""The domain enums, exposed under the contract's names."""

import strawberry

from models import enums

# strawberry.enum marks a class in place and returns it: each name below is the domain enum itself (a plain
# class alias, which type checkers accept in annotations), registered once with Strawberry.
Role = enums.Role
Visibility = enums.Visibility
ContactKind = enums.ContactKind
RequestStatus = enums.RequestStatus
ConsentPurpose = enums.ConsentPurpose
SubjectRightKind = enums.SubjectRightKind
SubjectRequestStatus = enums.SubjectRequestStatus
ApiScope = enums.ApiScope
SensitiveCategory = enums.SensitiveCategory
SubjectRequestChannel = enums.SubjectRequestChannel
MailStatus = enums.OutboxStatus
WebhookEvent = enums.WebhookEvent

for _domain_enum in (
    Role,
    Visibility,
    ContactKind,
    RequestStatus,
    ConsentPurpose,
    SubjectRightKind,
    SubjectRequestStatus,
    ApiScope,
    SensitiveCategory,
    SubjectRequestChannel,
    WebhookEvent,
):
    strawberry.enum(_domain_enum)
strawberry.enum(MailStatus, name="MailStatus")
