"""`manage.py check --deploy`: a production process must keep nothing on its own disk that
another process, on another machine, needs (logos, emails, the board's cache) and must
share one database that takes concurrent writers. Run with DEBUG off; the release step runs it."""

from django.conf import settings
from django.core import checks
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string


@checks.register("jobwizard", deploy=True)
def shared_state(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    found = []
    storage = import_string(settings.STORAGES["default"]["BACKEND"])
    if issubclass(storage, FileSystemStorage):
        found.append(
            checks.Error(
                "Logos are stored on this machine's disk: they are not served with DEBUG off, "
                "and other machines' processes (the orphan-logo sweeper) cannot see them.",
                hint="Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL for MinIO).",
                id="jobwizard.E001",
            )
        )
    if "file_path" in settings.MAILERS["default"].get("OPTIONS", {}):
        found.append(
            checks.Warning(
                "Emails are written as files on the worker's disk, not sent.",
                hint="Set MAIL_BACKEND to your ESP (postmark, sendgrid, …) and its ANYMAIL_*.",
                id="jobwizard.W002",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        found.append(
            checks.Warning(
                "SQLite is one file on one machine, and takes one writer at a time.",
                hint="Set DATABASE_URL to PostgreSQL to run web and worker processes on "
                "several machines.",
                id="jobwizard.W003",
            )
        )
    if not settings.CACHES["default"]["BACKEND"].endswith(".RedisCache"):
        found.append(
            checks.Warning(
                "The cache is on this machine only: the board's pages are cached under a "
                "version that workers and web processes on other machines would not see "
                "change (a withdrawn job stays listed for up to BOARD_PAGE_CACHE_SECONDS).",
                hint="Set CACHE_URL to a Redis every process reaches (redis://host:6379/0).",
                id="jobwizard.W004",
            )
        )
    return found
