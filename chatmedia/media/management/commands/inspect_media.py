"""`manage.py inspect_media PATH`: run exactly the processing a worker runs on a file, store nothing,
print one JSON object. Exit status 0 when the file is accepted, 2 when it is refused."""

from __future__ import annotations

import json
import os
import tempfile

from django.core.management.base import BaseCommand, CommandError

from chatmedia.media.policy import CATEGORIES, MediaPolicy
from chatmedia.media.processing.inspection import inspect


class Command(BaseCommand):
    help = "Inspect a media file with the workers' pipeline (type, category, metadata, renditions)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument("--declared-type", default="", help="MIME type the sender declared (a hint).")
        parser.add_argument("--file-name", default="", help="File name the sender gave (a hint).")
        parser.add_argument(
            "--category", choices=CATEGORIES, help="Category the message has (default: from the type)."
        )
        parser.add_argument(
            "--keep", metavar="DIR", help="Write the renditions into DIR instead of discarding."
        )

    def handle(self, *args, **options) -> None:
        path = options["path"]
        if not os.path.isfile(path):
            raise CommandError(f"{path}: no such file")
        with tempfile.TemporaryDirectory(prefix="inspect-media-") as scratch:
            out_dir = options["keep"] or scratch
            os.makedirs(out_dir, exist_ok=True)
            inspection = inspect(
                path,
                MediaPolicy.from_settings(),
                out_dir,
                category=options["category"],
                declared_type=options["declared_type"],
                file_name=options["file_name"],
            )
        self.stdout.write(json.dumps(inspection.as_json(), ensure_ascii=False))
        if not inspection.ok:
            raise SystemExit(2)
