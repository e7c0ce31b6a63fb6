"""Texts to vectors for text-conditioned backends (ganaug.data.text)."""

import numpy as np
import pytest

from ganaug.data.text import TextEncoder


def test_text_encoder_is_deterministic_and_separates_words():
    texts = ["a thin seven", "a bold seven", "a thin two", "a bold two leaning left"] * 3
    first, again = TextEncoder(3).fit(texts), TextEncoder(3).fit(texts)
    vectors = first.transform(["a thin seven", "a bold seven"])
    np.testing.assert_array_equal(vectors, again.transform(["a thin seven", "a bold seven"]))
    assert vectors.shape == (2, 3) and np.allclose(np.linalg.norm(vectors, axis=1), 1)
    assert not np.allclose(vectors[0], vectors[1])
    with pytest.raises(ValueError, match="shares no word"):
        first.transform(["purple elephant"])
