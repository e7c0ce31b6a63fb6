"""Bundled datasets and their helpers (ganaug.data.datasets)."""

import numpy as np

from ganaug.data.datasets import describe_digits, load_long_tailed_digits


def test_describe_digits_names_thickness_and_slant():
    images, y = load_long_tailed_digits(10, 0)
    texts = describe_digits(images, y)
    assert len(texts) == len(images) and all(t.startswith(("a ", "an eight")) for t in texts)
    eights = [texts[i] for i in np.flatnonzero(y.to_numpy() == 8)]
    assert "an eight" in eights and all(t in ("an eight", "a thin eight", "a bold eight")
                                        for t in (e.split(" leaning")[0] for e in eights))
    ink = images.reshape(len(images), -1).sum(1)
    sevens = np.flatnonzero(y.to_numpy() == 7)
    thin = [i for i in sevens if "thin" in texts[i]]
    bold = [i for i in sevens if "bold" in texts[i]]
    assert thin and bold and ink[thin].max() < ink[bold].min()
    assert any("leaning right" in texts[i] for i in sevens) and all("seven" in texts[i] for i in sevens)
