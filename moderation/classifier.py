"""The trained classifier: load (skops, pinned trusted types, sha256-checked) and fast inference.

PLACEHOLDER: the interface below is fixed; the implementation is being written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import ModelRefused


class Classifier:
    """A loaded model. Inputs are *folded* texts (``moderation.text.fold(t).text``)."""

    version: str
    thresholds: dict[str, tuple[float, float]]  # category -> (review_at, reject_at), from the sidecar

    def predict_proba(self, folded_texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape (n, 3), columns in ``CATEGORIES`` order."""
        raise NotImplementedError

    def explain(self, folded_text: str, k: int = 3) -> dict[str, list[tuple[str, float]]]:
        """Per category, the k features (phrases of the folded text) that raised the score most."""
        raise NotImplementedError


def load(model_dir: Path) -> Classifier:
    """Load and verify the model in ``model_dir``; raise ``ModelRefused`` with the reason."""
    raise ModelRefused(f"no model in {model_dir}")
