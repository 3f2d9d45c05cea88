import shutil
import sys
import tempfile

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from congress.storage import import_files


class Command(BaseCommand):
    help = (
        "Store every file of a .tar.gz (made by export_media or scripts/backup.sh) in the default "
        "storage under its name, replacing files of the same name; '-' reads standard input."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="path of the .tar.gz to read, or - for stdin")

    def handle(self, *args, archive, **options):
        try:
            if archive == "-":
                # tarfile needs to seek: spool the stream first (to disk past 64 MB).
                with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as spool:
                    shutil.copyfileobj(sys.stdin.buffer, spool)
                    spool.seek(0)
                    count = import_files(default_storage, spool)
            else:
                with open(archive, "rb") as source:
                    count = import_files(default_storage, source)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"imported {count} files")
