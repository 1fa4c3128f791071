"""Qt's own words that Qt 6's Chinese catalogue (qtbase_zh_CN) lacks.

Qt 6 added keyboard accelerators to a few file-dialog labels ("&Look in:") and the shipped
Chinese catalogue still translates only the old forms, so those labels stay English. Listed
here, lupdate copies them into our catalogue, whose translator is asked before Qt's.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

QT_WORDS = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
)
