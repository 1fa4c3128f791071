"""PySide6 widgets of the station window: a thin layer over the engine."""
