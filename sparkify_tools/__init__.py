"""Tooling for the Sparkify warehouse: data generator, ingester and benchmark."""
