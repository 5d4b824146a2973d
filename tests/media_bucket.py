"""Media in an S3-compatible bucket for a test: a local S3 server (moto's, over HTTP on a free port,
started once per test run), a new bucket per test, and the settings the portal builds from
MEDIA_S3_* (portal.settings._media_bucket, the code production runs)."""

import uuid

_server = None


def s3_endpoint():
    global _server
    if _server is None:
        from moto.server import ThreadedMotoServer

        _server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        _server.start()
    host, port = _server.get_host_and_port()
    return f"http://{host}:{port}"


KEYS = {"MEDIA_S3_ACCESS_KEY_ID": "test-key", "MEDIA_S3_SECRET_ACCESS_KEY": "test-secret"}


def s3_client(endpoint):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["MEDIA_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["MEDIA_S3_SECRET_ACCESS_KEY"],
    )


class Bucket:
    def __init__(self, name, client):
        self.name, self.client = name, client

    def names(self):
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def read(self, name):
        return self.client.get_object(Bucket=self.name, Key=name)["Body"].read()


def use_bucket(settings, monkeypatch, *, signed=0, prefix="media"):
    """Point the portal's media at a fresh bucket of the local S3 server; returns the Bucket."""
    from portal.settings import _media_bucket

    endpoint = s3_endpoint()
    name = f"portal-{uuid.uuid4().hex[:12]}"
    client = s3_client(endpoint)
    client.create_bucket(Bucket=name)
    for key, value in {**KEYS, "MEDIA_S3_ENDPOINT_URL": endpoint, "MEDIA_S3_REGION": "us-east-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("MEDIA_S3_PREFIX", prefix)
    settings.MEDIA_S3_BUCKET = name
    settings.MEDIA_S3_SIGNED_URL_SECONDS = signed
    settings.MEDIA_SENDFILE = ""
    settings.STORAGES = {**settings.STORAGES, **_media_bucket(name, sendfile="", signed=signed)}
    return Bucket(name, client)
