"""Evolution API (Baileys-based) behind the provider seam: `payloads` (webhook JSON → our items,
pure) with `content` (the Baileys message node) and `crypto` (WhatsApp's media encryption, pure),
`webhook` (the Django view and the authentication rules) with `webhook_app` (the ASGI fast path
that queues small bodies), `client` (Evolution's HTTP API), `download` (CDN + decryption, with
Evolution's getBase64 as the fallback), `send_request` (which route and body a send needs) and
`provider` (the seam)."""
