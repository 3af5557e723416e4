"""Meta's WhatsApp Cloud API behind the provider seam: `payloads` (webhook JSON → our items, pure),
`webhook` (GET verification, POST signed with X-Hub-Signature-256), `graph` (the Graph API client:
media by id, uploads, messages) and `provider` (the seam)."""
