"""``sparkify-infra``: the AWS resources the ``redshift`` dbt target needs, as one command.

``sparkify-infra up`` creates the IAM role Redshift reads the raw bucket with, a provisioned cluster
or a serverless namespace and workgroup, the Glue database behind the Spectrum schema and, when
asked, ingress on port 5439; ``status`` lists them with an hourly cost; ``down`` removes them.
Every resource carries the tags in :mod:`.naming`, and only tagged resources are ever changed or
deleted. See docs/redshift.md.
"""
