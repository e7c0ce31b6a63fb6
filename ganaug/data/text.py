"""Short texts -> dense vectors for text-conditioned backends, with scikit-learn only (no downloads).

:class:`TextEncoder` is TF-IDF over words and word pairs, reduced by a
truncated SVD (latent semantic analysis) and scaled to unit length. It is
fitted on the user's own texts and is deterministic, so a saved model can
refit it from the texts stored in its options and embed new descriptions
exactly as training did.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from ganaug.errors import InputError


class TextEncoder:
    """TF-IDF (words and word pairs) -> truncated SVD -> unit length.

    Parameters
    ----------
    dim : int, default=32
        Size of the embeddings; smaller when the texts have fewer distinct
        terms or fewer distinct texts (the SVD cannot find more directions).
    """

    def __init__(self, dim: int = 32) -> None:
        self.dim = dim

    def fit(self, texts: Sequence[str]) -> TextEncoder:
        """Learn the vocabulary and the SVD from ``texts``."""
        # single-character words count too ("a 7"); pairs keep "not thin" apart from "thin"
        self.tfidf_ = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", sublinear_tf=True)
        counts = self.tfidf_.fit_transform(list(texts))
        n_terms, n_distinct = counts.shape[1], len(set(texts))
        rank = min(self.dim, n_terms - 1, n_distinct - 1)
        self.svd_ = None
        if n_terms > self.dim and rank >= 1:
            self.svd_ = TruncatedSVD(rank, algorithm="randomized", random_state=0).fit(counts)
        self.dim_ = rank if self.svd_ is not None else n_terms
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """``(n, dim_)`` float32 unit vectors; raises if a text shares no word with the training texts."""
        counts = self.tfidf_.transform(list(texts))
        unknown = [t for t, nnz in zip(texts, counts.getnnz(axis=1)) if nnz == 0]
        if unknown:
            words = ", ".join(sorted(self.tfidf_.vocabulary_, key=len)[:12])
            raise InputError(f"{unknown[0]!r} shares no word with the training texts, so it cannot be "
                             f"embedded; use their words (e.g. {words}).")
        vectors = self.svd_.transform(counts) if self.svd_ is not None else counts.toarray()
        return normalize(vectors).astype(np.float32)
