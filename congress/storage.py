"""The object storage settings of uploaded files (PORTAL_STORAGE=s3), in one place: the
settings module and the tests against a local S3 server build them the same way; and the copy of every stored file into a tar and back, which
backups use whatever the storage (scripts/backup.sh, manage.py export_media/import_media)."""

import posixpath
import tarfile
import time

from django.core.files import File


def s3_storage_options(
    *, bucket: str, endpoint_url: str = "", access_key: str = "", secret_key: str = "", region: str
) -> dict:
    """OPTIONS for django-storages' S3Storage on a private bucket."""
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "region_name": region or None,
        # MinIO and most S3-compatible stores serve buckets under the path, not a subdomain.
        "addressing_style": "path",
        "signature_version": "s3v4",
        # Private objects: any URL the storage makes is signed and expires; the portal itself
        # streams downloads through its access check and never hands these out.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        # As on the filesystem: a second file of the same name gets a new name, never
        # replaces the first.
        "file_overwrite": False,
    }


def stored_names(storage, folder: str = ""):
    """Every file name in `storage` under `folder`, through the storage API (a filesystem
    folder or a bucket alike), sorted."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # MEDIA_ROOT before the first upload
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for sub in sorted(folders):
        yield from stored_names(storage, posixpath.join(folder, sub) if folder else sub)


def export_files(storage, out) -> int:
    """Write every stored file into the gzipped tar stream `out`, under its stored name (as
    `tar -C MEDIA_ROOT -czf` would); returns the number of files."""
    count = 0
    with tarfile.open(fileobj=out, mode="w|gz") as archive:
        for name in stored_names(storage):
            member = tarfile.TarInfo(name)
            member.size = storage.size(name)
            member.mtime = int(_modified(storage, name))
            member.mode = 0o644
            with storage.open(name, "rb") as stored:
                archive.addfile(member, stored)
            count += 1
    return count


def _modified(storage, name: str) -> float:
    try:
        return storage.get_modified_time(name).timestamp()
    except (NotImplementedError, OSError):
        return time.time()


def import_files(storage, source) -> int:
    """Store every file of the gzipped tar `source` (seekable) under its name in the archive,
    replacing a file of that name; returns the number of files."""
    count = 0
    with tarfile.open(fileobj=source, mode="r:gz") as archive:
        for member in archive:
            if not member.isfile():
                continue
            name = posixpath.normpath(member.name.removeprefix("./"))
            if name.startswith(("/", "../")) or name == "..":
                raise ValueError(f"refusing a file outside the storage: {member.name}")
            if storage.exists(name):
                storage.delete(name)
            with archive.extractfile(member) as body:
                saved = storage.save(name, File(body, name=name))
            if saved != name:
                raise ValueError(f"{name} was stored as {saved}")
            count += 1
    return count
