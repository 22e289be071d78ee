"""Reading the raw data from S3 and writing the parquet data lake with DuckDB.

``httpfs`` is loaded from the ``duckdb-extension-httpfs`` wheel, never downloaded at run time;
``duckdb_plugin`` wires it (and a location probe) into dbt-duckdb; ``lake`` reads the lake back.
"""
