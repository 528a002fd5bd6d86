"""A local S3 (moto's server) for tests, and Django's default storage pointed at it.

Use it from a test module with

    from tests.s3 import s3_server_fixture, s3_storage_fixture  # noqa: F401

(the functions are registered under the names `s3_server` and `s3_storage`, so
tests taking those arguments do not shadow an import, which ruff reports as F811).
`s3_server` is session-scoped: one moto server for the whole run. `s3_storage`
gives each test a fresh, uniquely named bucket and makes `default_storage` an
S3Storage writing to it; it yields an `S3Bucket` (boto3 client, bucket name,
`keys()`, `body(key)`).
"""

import json
import logging
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REGION = "us-east-1"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
# Anything that could make boto3 read a real AWS configuration or credentials.
REAL_AWS_VARIABLES = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoS3Server:
    """moto's server on 127.0.0.1: in a thread if this moto has ThreadedMotoServer,
    else as a `moto_server` subprocess on a free port."""

    def __init__(self):
        self._threaded = None
        self._process = None
        self.endpoint_url = None

    def start(self):
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            self._start_process()
        else:
            self._threaded = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            self._threaded.start()
            host, port = self._threaded.get_host_and_port()
            self.endpoint_url = f"http://{host}:{port}"
        return self

    def _start_process(self):
        port = free_port()
        executable = shutil.which("moto_server", path=str(Path(sys.executable).parent))
        executable = executable or shutil.which("moto_server")
        command = [executable] if executable else [sys.executable, "-m", "moto.server"]
        self._process = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.endpoint_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1).close()
                return
            except (urllib.error.URLError, ConnectionError):
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)

    def stop(self):
        if self._threaded is not None:
            self._threaded.stop()
            self._threaded = None
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


def make_client(endpoint_url):
    """The tests' own S3 client: dummy credentials, one attempt, short timeouts."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=5),
    )


@dataclass
class S3Bucket:
    client: object
    name: str
    endpoint_url: str

    def keys(self, prefix=""):
        """Every object key in the bucket, sorted."""
        paginator = self.client.get_paginator("list_objects_v2")
        return sorted(
            item["Key"]
            for page in paginator.paginate(Bucket=self.name, Prefix=prefix)
            for item in page.get("Contents", [])
        )

    def body(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def allow_public_read(self, prefix=""):
        """The bucket policy public (unsigned) URLs need: querystring_auth is off and
        default_acl is None, so objects are private unless the bucket grants reads."""
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{self.name}/{prefix}*",
                }
            ],
        }
        self.client.put_bucket_policy(Bucket=self.name, Policy=json.dumps(policy))

    def exists(self):
        try:
            self.client.head_bucket(Bucket=self.name)
        except self.client.exceptions.ClientError:
            return False
        return True

    def empty_and_delete(self):
        if not self.exists():
            return
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)
        self.client.delete_bucket(Bucket=self.name)


def storage_options(endpoint_url, bucket_name, **overrides):
    """The S3Storage OPTIONS config/settings.py builds, pointed at a local endpoint."""
    return {
        "bucket_name": bucket_name,
        "region_name": REGION,
        "endpoint_url": endpoint_url,
        "custom_domain": None,
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": False,
        **overrides,
    }


def use_s3_default_storage(settings, endpoint_url, bucket_name, **overrides):
    """Point STORAGES["default"] at S3. Assigning a new STORAGES dict (rather than
    mutating it) sends setting_changed, which resets default_storage."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": storage_options(endpoint_url, bucket_name, **overrides),
        },
    }


def make_s3_server_fixture(scope="session", name="s3_server"):
    """Build a fixture that runs one moto S3 server for `scope` and yields it."""

    @pytest.fixture(scope=scope, name=name)
    def s3_server():
        # The threaded server logs every request through werkzeug at INFO.
        werkzeug_logger = logging.getLogger("werkzeug")
        level = werkzeug_logger.level
        werkzeug_logger.setLevel(logging.WARNING)
        server = MotoS3Server().start()
        yield server
        server.stop()
        werkzeug_logger.setLevel(level)

    return s3_server


s3_server_fixture = make_s3_server_fixture()


def use_dummy_aws_environment(monkeypatch, config_dir):
    """Dummy AWS credentials; no real AWS config file, profile or endpoint is read."""
    for name in REAL_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in DUMMY_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_dir / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(config_dir / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture(name="s3_storage")
def s3_storage_fixture(s3_server, settings, monkeypatch, tmp_path):
    """A fresh bucket on the shared server, with default_storage an S3Storage on it.

    Only the fixtures a test module imports are visible to it, so this one takes
    nothing but s3_server and pytest's and pytest-django's own fixtures.
    """
    from django.core.files.storage import default_storage
    from storages.backends.s3 import S3Storage

    use_dummy_aws_environment(monkeypatch, tmp_path)
    bucket = S3Bucket(
        client=make_client(s3_server.endpoint_url),
        name=f"test-{uuid.uuid4().hex[:20]}",
        endpoint_url=s3_server.endpoint_url,
    )
    bucket.client.create_bucket(Bucket=bucket.name)
    use_s3_default_storage(settings, s3_server.endpoint_url, bucket.name)
    # LazyObject proxies isinstance(): this builds the storage from the new setting,
    # or finds a stale one if setting_changed did not reset it.
    assert isinstance(default_storage, S3Storage), "default_storage was not switched"
    assert default_storage.bucket_name == bucket.name
    yield bucket
    bucket.empty_and_delete()
