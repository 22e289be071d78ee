"""An S3 client configured as the dbt profile's S3 secret is: the same environment variables."""

from __future__ import annotations

import os


def s3_client():
    import boto3
    from botocore.config import Config

    endpoint = os.environ.get("SPARKIFY_S3_ENDPOINT", "")
    use_ssl = os.environ.get("SPARKIFY_S3_USE_SSL", "true").lower() != "false"
    path_style = os.environ.get("SPARKIFY_S3_URL_STYLE", "vhost") == "path"
    session = boto3.session.Session()
    # unsigned without keys or a profile, as the dbt profile's secret is: a public bucket. Not asking
    # boto3's whole credential chain keeps it from probing an instance-metadata address.
    anonymous = not (os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"))
    config = Config(
        s3={"addressing_style": "path" if path_style else "auto"},
        max_pool_connections=32,
        **({"signature_version": __import__("botocore").UNSIGNED} if anonymous else {}),
    )
    return session.client(
        "s3",
        endpoint_url=f"{'https' if use_ssl else 'http'}://{endpoint}" if endpoint else None,
        region_name=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        config=config,
    )
