"""A fake of the WhatsApp side for development and tests: Evolution API + the WhatsApp media CDN.

One HTTP server on 127.0.0.1 that
- serves encrypted `.enc` media like the CDN (`GET <directPath>`), and profile pictures;
- answers the Evolution endpoints chatmedia calls, in the shapes of shared/spec/evolution-api.md and
  fixtures/evolution/: `POST /chat/getBase64FromMediaMessage/<instance>`,
  `/chat/fetchProfilePictureUrl/<instance>`, `/message/sendMedia/<instance>`,
  `/message/sendWhatsAppAudio/<instance>`; checks the `apikey` header (401 body of Evolution);
- records every call, and can be told to fail a route (5xx, timeout, 401, 404, wrong bytes).
The encrypted files are the independent test vectors of fixtures/wa-media (made by Baileys)
plus any media a test adds (encrypted here with chatmedia's encrypt, the same algorithm).

Control API (JSON), for tests in another process: `GET /__fake/calls`, `POST /__fake/reset`,
`POST /__fake/faults {"route": <one of ROUTES>, "mode": <one of MODES>, "times": N}`.

Command line:
  python -m tools.fake_whatsapp serve [--port 8081] [--apikey KEY] [--instance NAME]
  python -m tools.fake_whatsapp simulate --chatmedia http://127.0.0.1:8000 --tenant demo \
      --secret SECRET [--fake http://127.0.0.1:8081]    # posts realistic webhooks
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

from tools.fake_whatsapp.fake import FakeWhatsApp
from tools.fake_whatsapp.simulate import SCENARIO, simulate
from tools.fake_whatsapp.state import DEFAULT_APIKEY, DEFAULT_INSTANCE, WA_MEDIA

__all__ = ["DEFAULT_APIKEY", "DEFAULT_INSTANCE", "SCENARIO", "WA_MEDIA", "FakeWhatsApp", "simulate"]
