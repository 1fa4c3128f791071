"""Chip families as plug-ins: `ChipFamily`, `ChipDriver`, the registry (docs/families.md)."""
