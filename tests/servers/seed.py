"""Creates a bucket (or container) on a local storage emulator and uploads a folder into it.

    seed.py s3|azure|gcs ENDPOINT BUCKET SOURCE_FOLDER PREFIX [public]

With `public`, S3 objects can be read without signing (ACL public-read), as from a web server.

Used by segc's lake tests (tests/common/servers.rs) and by examples/lake. The credentials are the
emulators' fixed test ones, never real secrets.
"""

import json
import pathlib
import sys
import urllib.parse
import urllib.request

AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


def files(source: pathlib.Path):
    return sorted(p for p in source.rglob("*") if p.is_file())


def seed_s3(endpoint, bucket, source, prefix, public=False):
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="segc-test",
        aws_secret_access_key="segc-test-secret",
        region_name="us-east-1",
    )
    existing = [b["Name"] for b in s3.list_buckets().get("Buckets", [])]
    if bucket not in existing:
        s3.create_bucket(Bucket=bucket)
    extra = {"ACL": "public-read"} if public else None
    for path in files(source):
        key = prefix + path.relative_to(source).as_posix()
        s3.upload_file(str(path), bucket, key, ExtraArgs=extra)


def seed_azure(endpoint, container, source, prefix):
    from azure.core.exceptions import ResourceExistsError
    from azure.storage.blob import BlobServiceClient

    connection = (
        f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
        f"AccountKey={AZURITE_KEY};BlobEndpoint={endpoint}/{AZURITE_ACCOUNT};"
    )
    service = BlobServiceClient.from_connection_string(connection)
    try:
        service.create_container(container)
    except ResourceExistsError:
        pass
    for path in files(source):
        name = prefix + path.relative_to(source).as_posix()
        with open(path, "rb") as data:
            service.get_blob_client(container, name).upload_blob(data, overwrite=True)


def seed_gcs(endpoint, bucket, source, prefix):
    create = urllib.request.Request(
        f"{endpoint}/storage/v1/b?project=segc-test",
        data=json.dumps({"name": bucket}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        urllib.request.urlopen(create).read()
    except urllib.error.HTTPError as e:
        if e.code != 409:
            raise
    for path in files(source):
        name = urllib.parse.quote(prefix + path.relative_to(source).as_posix(), safe="")
        upload = urllib.request.Request(
            f"{endpoint}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={name}",
            data=path.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
            method="POST",
        )
        urllib.request.urlopen(upload).read()


def main():
    kind, endpoint, bucket, source, prefix = sys.argv[1:6]
    public = sys.argv[6:] == ["public"]
    if kind == "s3":
        seed_s3(endpoint, bucket, pathlib.Path(source), prefix, public)
    else:
        seed = {"azure": seed_azure, "gcs": seed_gcs}[kind]
        seed(endpoint, bucket, pathlib.Path(source), prefix)


if __name__ == "__main__":
    main()
