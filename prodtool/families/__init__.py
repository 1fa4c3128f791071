"""Chip families: one package per family (its driver, image format and simulated chip)."""
