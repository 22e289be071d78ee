"""Tooling for the Sparkify warehouse: data generator, loaders and benchmark."""
