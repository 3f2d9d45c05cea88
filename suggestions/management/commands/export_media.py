import sys

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from congress.storage import export_files


class Command(BaseCommand):
    help = (
        "Write every uploaded file (from the default storage: MEDIA_ROOT or the S3 bucket) into "
        "a .tar.gz, under its stored name; '-' writes to standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="path of the .tar.gz to write, or - for stdout")

    def handle(self, *args, archive, **options):
        if archive == "-":
            count = export_files(default_storage, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with open(archive, "wb") as out:
                count = export_files(default_storage, out)
        self.stderr.write(f"exported {count} files")
