"""The domain enums, exposed under the contract's names."""

import strawberry

from models import enums

Role = strawberry.enum(enums.Role)
Visibility = strawberry.enum(enums.Visibility)
ContactKind = strawberry.enum(enums.ContactKind)
RequestStatus = strawberry.enum(enums.RequestStatus)
ConsentPurpose = strawberry.enum(enums.ConsentPurpose)
SubjectRightKind = strawberry.enum(enums.SubjectRightKind)
SubjectRequestStatus = strawberry.enum(enums.SubjectRequestStatus)
ApiScope = strawberry.enum(enums.ApiScope)
SensitiveCategory = strawberry.enum(enums.SensitiveCategory)
SubjectRequestChannel = strawberry.enum(enums.SubjectRequestChannel)
MailStatus = strawberry.enum(enums.OutboxStatus, name="MailStatus")
WebhookEvent = strawberry.enum(enums.WebhookEvent)
