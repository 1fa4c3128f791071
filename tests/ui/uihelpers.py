"""Helpers shared by the window's tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)


def installer_module(name: str) -> ModuleType:
    """A script from installer/ (not a package) loaded by path, without touching sys.path."""
    path = Path(__file__).resolve().parents[2] / "installer" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"prodtool_installer_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def visible_texts(root: QWidget) -> list[str]:
    """Every text a person could see or copy out of a window: what secret scans look through."""
    parts = [root.windowTitle()]
    for widget in root.findChildren(QWidget):
        parts.append(widget.toolTip())
        if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
            parts.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            parts.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            parts.extend(widget.itemText(i) for i in range(widget.count()))
    return parts
