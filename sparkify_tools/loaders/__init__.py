"""Loaders that bring the raw Sparkify files into warehouses without an S3 reader of their own."""
