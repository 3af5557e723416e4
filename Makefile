# chatmedia — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
S3_STAMP := tools/s3/node_modules/.package-lock.json
WEB_STAMP := frontend/node_modules/.package-lock.json
WEB_BUILD := frontend/dist/index.html
WEB_SOURCES := $(shell find frontend/src -type f 2>/dev/null) frontend/index.html frontend/vite.config.ts \
  frontend/tsconfig.json
PORT ?= 8000
export PORT
# `make run FAKE_WHATSAPP=1`: also start the fake Evolution API + WhatsApp CDN (tools/fake_whatsapp/)
# and connect the demo tenant to it; then `make simulate` posts realistic webhooks.
FAKE_WHATSAPP_PORT ?= 8081
FAKE_URL := http://127.0.0.1:$(FAKE_WHATSAPP_PORT)
FAKE_INSTANCE := acme-vendas
FAKE_APIKEY := fake-evolution-instance-token
# ... and the fake OpenAI-compatible transcription server (tools/fake_transcription.py): voice notes
# get the fake's transcript.
FAKE_TRANSCRIPTION_PORT ?= 8082
FAKE_TRANSCRIPTION := TRANSCRIPTION_URL=http://127.0.0.1:$(FAKE_TRANSCRIPTION_PORT)/v1 \
  TRANSCRIPTION_API_KEY=sk-fake-transcription-key
# uvicorn with our network settings (chatmedia/webserver.py: no proxy headers, header deadline, no
# access log: webhook URLs carry the tenant's secret).
UVICORN := $(PY) -m chatmedia.webserver --host 127.0.0.1 --port $(PORT)

.PHONY: run test faults stack install frontend lint format clean simulate send bench-processing bench-serving \
  bench-outgoing bench-load bench-search bench-zip bench-transcode bench-office bench-retention

# Install (or refresh) the virtualenv when pyproject.toml or constraints.txt change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The S3 test server (npm @20minutes/s3rver, pinned in tools/s3/package-lock.json).
$(S3_STAMP): tools/s3/package.json tools/s3/package-lock.json
	cd tools/s3 && npm ci --no-audit --no-fund --silent

# The web chat's packages (npm, pinned in frontend/package-lock.json; Playwright uses Debian's Chromium
# and never downloads a browser).
$(WEB_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent

# The web chat, built by Vite into frontend/dist (served by Django under /static/app/).
$(WEB_BUILD): $(WEB_STAMP) $(WEB_SOURCES)
	cd frontend && npm run --silent build

## make frontend: (re)build the web chat when its sources changed.
frontend: $(WEB_BUILD)

install: $(STAMP) $(S3_STAMP) $(WEB_STAMP)

## make run: the whole system on embedded defaults (SQLite, local disk, in-process cache/queue/channels).
run: $(STAMP) $(WEB_BUILD)
	@mkdir -p var
	@rm -f var/metrics/*.db  # the counters of /metrics start again with the processes
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
ifdef FAKE_WHATSAPP
	@$(PY) manage.py ensure_demo --evolution-url $(FAKE_URL) \
	  --evolution-instance $(FAKE_INSTANCE) --evolution-token $(FAKE_APIKEY)
	$(PY) -m tools.fake_transcription --port $(FAKE_TRANSCRIPTION_PORT) & TRANSCRIBER=$$!; \
	  $(PY) -m tools.fake_whatsapp serve --port $(FAKE_WHATSAPP_PORT) \
	  --instance $(FAKE_INSTANCE) --apikey $(FAKE_APIKEY) --webhook-to http://127.0.0.1:$(PORT) & \
	  trap "kill $$! $$TRANSCRIBER" EXIT; \
	  WHATSAPP_MEDIA_BASE_URL=$(FAKE_URL) WHATSAPP_MEDIA_HOSTS=127.0.0.1:$(FAKE_WHATSAPP_PORT) \
	  $(FAKE_TRANSCRIPTION) $(UVICORN)
else
	@$(PY) manage.py ensure_demo
	exec $(UVICORN)
endif

## make send FILE=path [VOICE=1] [CAPTION=text]: send a file as an agent would (upload → WhatsApp) to the
## demo tenant's most recent conversation of the running `make run FAKE_WHATSAPP=1`.
send: $(STAMP)
	$(PY) tools/send_file.py "$(FILE)" --chatmedia http://127.0.0.1:$(PORT) $(if $(VOICE),--voice) \
	  $(if $(CAPTION),--caption "$(CAPTION)")

## make simulate: post realistic WhatsApp webhooks (text, image, voice note, audio, PDF, video, sticker,
## group image, profile picture) to the running `make run FAKE_WHATSAPP=1`.
simulate: $(STAMP)
	$(PY) -m tools.fake_whatsapp simulate --chatmedia http://127.0.0.1:$(PORT) --port $(FAKE_WHATSAPP_PORT) \
	  --instance $(FAKE_INSTANCE)

## make test: lint, the web chat's type check and vitest, then every test (the Chromium e2e included) on
## the real stack (PostgreSQL, Redis, RabbitMQ, S3) and embedded, then the fault suite (make faults).
test: $(STAMP) $(S3_STAMP) $(WEB_BUILD)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	cd frontend && npm run --silent typecheck && npm run --silent test
	$(PY) tools/run_tests.py $(ARGS)

## make faults: the fault suite alone — private PostgreSQL, Redis, RabbitMQ and S3 broken and restored
## under traffic; prints scenario / sent / ended right / lost / duplicated (tools/faults.py).
faults: $(STAMP) $(S3_STAMP)
	$(PY) tools/faults.py $(ARGS)

## make stack: the real stack on one machine, each part its own process (private PostgreSQL, Redis,
## RabbitMQ and S3 test server under var/stack/, then the Procfile: web, a worker per queue, beat).
## FAKE_WHATSAPP=1 also starts the fake Evolution API (then `make simulate` works as with make run).
stack: $(STAMP) $(S3_STAMP) $(WEB_BUILD)
	$(PY) tools/stack.py --port $(PORT) $(if $(FAKE_WHATSAPP),--fake-whatsapp)

## make bench-processing: our image renditions vs plain Pillow vs libvips, and peak memory (bench/README.md).
BENCH_EXTRA = $(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev,bench]'

bench-processing: $(STAMP)
	$(BENCH_EXTRA)
	$(PY) bench/processing.py

## make bench-serving: /media/ against nginx, raw Redis + ASGI, granian, and boto3 (P1-P4 in bench/README.md).
bench-serving: $(STAMP) $(S3_STAMP)
	$(BENCH_EXTRA)
	$(PY) bench/serving.py

## make bench-load: webhooks at 200/s, webhook -> ready for 1 MB images, 20 concurrent 25 MB uploads, on
## the real stack (bench/load.py; numbers in bench/README.md).
bench-load: $(STAMP) $(S3_STAMP)
	$(PY) bench/load.py $(ARGS)

## make bench-outgoing: complete → sent for a 1 MB photo and a 25 MB PDF on the real stack (bench/README.md).
bench-outgoing: $(STAMP) $(S3_STAMP)
	$(PY) bench/outgoing.py

## make bench-search: search over 10 000 messages and 500 documents vs a plain scan (bench/search.py).
bench-search: $(STAMP)
	$(PY) bench/search.py $(ARGS)

## make bench-zip: 200 MB of a chat's media as one streamed zip, peak memory vs reading it (bench/zip.py).
bench-zip: $(STAMP)
	$(PY) bench/zip.py $(ARGS)

## make bench-transcode: a 60 s 1080p HEVC clip made WhatsApp-ready by us vs the ffmpeg CLI (bench/transcode.py).
bench-transcode: $(STAMP)
	$(PY) -c "import sys; sys.path.insert(0, '.'); from tools.services import ensure_debian_packages; ensure_debian_packages({'ffmpeg': 'ffmpeg'})"
	$(PY) bench/transcode.py $(ARGS)

## make bench-retention: retention over 100 000 seeded voice notes: pace, longest batch, the API meanwhile (bench/retention.py).
bench-retention: $(STAMP)
	$(PY) bench/retention.py $(ARGS)

## make bench-office: Office previews of a 20-page DOCX and a 5-sheet XLSX vs soffice --convert-to pdf (bench/office.py).
bench-office: $(STAMP)
	$(PY) -c "import sys; sys.path.insert(0, '.'); from tools.services import ensure_debian_packages; ensure_debian_packages()"
	$(PY) bench/office.py $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) tools/s3/node_modules frontend/node_modules frontend/dist
