"""Signals the documents app sends for the stages above it, which it cannot import (apps depend down the
lifecycle: jixiao.documents is below rectification and alerts). A stage connects its receivers in its
AppConfig.ready().
"""

from __future__ import annotations

from django.dispatch import Signal

# An addressee answered an issued document (`services.document_feedback`), sent inside the feedback's transaction
# so that what a receiver writes stands or falls with the answer. Arguments: `document` (the OfficialDocument),
# `recipient` (the answering DocumentRecipient row), `actor`, `text` (the feedback text, possibly empty when only a
# file was given), `file_name` and `from_elsewhere`: True when the answer was given in the stage that sent the
# document (`services.feedback_from_elsewhere`), which has recorded it there already; a receiver that answers the
# stage from the document must ignore those, or the two would answer each other.
document_feedback_given = Signal()
