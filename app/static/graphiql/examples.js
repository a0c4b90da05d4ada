/* The DPO's ready-made documents, offered as GraphiQL tabs and in the "Examples" menu.
   Each case that needs a field still being built lives in its own document: GraphQL validates a
   whole document, so one unknown field would make its neighbours fail too. */
(function () {
  "use strict";

  // The default retention period is 36 months (an agency may change it: retentionPreview.cutoff says).
  var cutoff = new Date();
  cutoff.setUTCMonth(cutoff.getUTCMonth() - 36);
  cutoff.setUTCHours(0, 0, 0, 0);

  function vars(value) {
    return JSON.stringify(value, null, 2);
  }

  window.AlveoleExamples = [
    {
      id: "find",
      label: "Cas 1 · Find a person by name",
      query: [
        "# Cas 1 (1/2): find a person by name and see everything about them.",
        "# Search is accent- and case-insensitive; contacts outside your compartment never match.",
        "# Copy the contact's id into the next tab (SubjectAccessExport).",
        "# The pages are small on purpose: the cost limit counts every traveler they could hold",
        "# (the default 50 contacts x 50 requests x 50 travelers is over it).",
        "query FindAndExport($search: String = \"Pierre Martin\") {",
        "  contacts(search: $search, first: 10) {",
        "    totalCount",
        "    edges {",
        "      node {",
        "        id",
        "        firstName",
        "        lastName",
        "        email",
        "        phone",
        "        requests(first: 10) {",
        "          edges {",
        "            node {",
        "              destination",
        "              status",
        "              travelers { firstName lastName }",
        "            }",
        "          }",
        "        }",
        "      }",
        "    }",
        "  }",
        "}",
        ""
      ].join("\n"),
      variables: vars({ search: "Pierre Martin" })
    },
    {
      id: "export",
      label: "Cas 1 · Export everything (Art. 15)",
      query: [
        "# Cas 1 (2/2): everything held about one person, with CSV / JSON download links.",
        "# Put the id found by FindAndExport in the variables below.",
        "query SubjectAccessExport($contactId: ID!) {",
        "  subjectAccessExport(contactId: $contactId) {",
        "    generatedAt",
        "    contact {",
        "      id firstName lastName email phone birthDate address notes",
        "      consents { purpose granted since }",
        "    }",
        "    requests { id destination status departureDate returnDate notes travelers { firstName lastName birthDate } }",
        "    consentHistory { purpose granted recordedAt source wording recordedBy }",
        "    accessLog { at actor action detail }",
        "    rightsNotice",
        "    csvUrl",
        "    jsonUrl",
        "  }",
        "}",
        ""
      ].join("\n"),
      variables: vars({ contactId: "<id from FindAndExport>" })
    },
    {
      id: "restrict",
      label: "Cas 2 · Restrict who sees a contact",
      query: [
        "# Cas 2: only the contact's owner (and the DPO) will see its personal data.",
        "# Other visibilities: TEAM (the owner's team), AGENCY (everyone in the agency).",
        "mutation RestrictVisibility($id: ID!) {",
        "  setContactVisibility(id: $id, visibility: ADVISOR) {",
        "    id",
        "    visibility",
        "    owner { name email }",
        "    team { name }",
        "  }",
        "}",
        ""
      ].join("\n"),
      variables: vars({ id: "<contact id>" })
    },
    {
      id: "retention",
      label: "Cas 3 · Retention: list and purge",
      query: [
        "# Cas 3: requests older than the retention period. Run the operations in order",
        "# (the Run button asks which one):",
        "# 1. RetentionPreview: the cutoff and what it covers, and the requests before $cutoff",
        "#    (set $cutoff to retentionPreview.cutoff if your agency's period is not 36 months);",
        "# 2. DeleteTravelRequests: delete the ids you choose, for good;",
        "# 3. ApplyRetentionDryRun: what the whole policy would delete (dryRun: true deletes nothing).",
        "query RetentionPreview($cutoff: DateTime!) {",
        "  retentionPreview { cutoff requestCount contactCount }",
        "  travelRequests(filter: { lastActivityBefore: $cutoff }) {",
        "    totalCount",
        "    edges { node { id destination status lastActivityAt contact { id } } }",
        "  }",
        "}",
        "",
        "mutation DeleteTravelRequests($ids: [ID!]!) {",
        "  deleteTravelRequests(ids: $ids)",
        "}",
        "",
        "mutation ApplyRetentionDryRun {",
        "  applyRetention(dryRun: true) { cutoff dryRun requestCount contactCount }",
        "}",
        ""
      ].join("\n"),
      variables: vars({ cutoff: cutoff.toISOString(), ids: [] })
    },
    {
      id: "door",
      label: "Self-service · Verified requests and delivery",
      query: [
        "# Requests people made on the agency's website (submitSubjectRequest, API key INTAKE).",
        "# Run the operations in order (the Run button asks which one):",
        "# 1. VerifiedRequests: those whose email address was confirmed through the mailed link;",
        "# 2. LinkSubjectRequest: link one to its contact (find the contact with Cas 1);",
        "# 3. DeliverExport: mail the person a personal download link (ACCESS / PORTABILITY);",
        "# 4. RevokeDelivery: end a link at once;  5. Outbox: the mails and their status;",
        "# 6. CloseSubjectRequest: the person is told by mail (a reason is required to reject).",
        "query VerifiedRequests {",
        "  subjectRequests(verifiedOnly: true) {",
        "    id reference kind channel status verified verifiedAt receivedAt dueAt overdue",
        "    requesterEmail requesterName message",
        "    contact { id firstName lastName }",
        "    deliveries { id createdAt expiresAt downloads maxDownloads revoked }",
        "  }",
        "}",
        "",
        "mutation LinkSubjectRequest($requestId: ID!, $contactId: ID!) {",
        "  linkSubjectRequest(id: $requestId, contactId: $contactId) { id reference contact { id lastName } }",
        "}",
        "",
        "mutation DeliverExport($requestId: ID!) {",
        "  deliverSubjectAccessExport(requestId: $requestId) { id expiresAt downloads maxDownloads }",
        "}",
        "",
        "mutation RevokeDelivery($deliveryId: ID!) {",
        "  revokeExportDelivery(id: $deliveryId) { id revoked }",
        "}",
        "",
        "query Outbox {",
        "  outbox(first: 20) { id to subject status attempts createdAt sentAt lastError }",
        "}",
        "",
        "mutation CloseSubjectRequest($requestId: ID!, $reason: String) {",
        "  closeSubjectRequest(id: $requestId, status: DONE, reason: $reason) { id status closedAt }",
        "}",
        ""
      ].join("\n"),
      variables: vars({ requestId: "<id from VerifiedRequests>", contactId: "<contact id>", deliveryId: "<delivery id>", reason: null })
    }
  ];
})();
