"""The conformance kit (ganaug.testing), run on every registered backend."""

import pytest

from ganaug.testing import parametrize_backend_checks


@parametrize_backend_checks()
def test_backend_conformance(backend, check):
    check(backend)


def test_the_stacking_check_names_why_a_batchable_backend_trained_one_model_at_a_time():
    from ganaug.plugin import AdversarialOptions, MLPGANBackend, get_loss
    from ganaug.testing import check_stacking

    class Relativistic(MLPGANBackend):  # batchable by inheritance, with a loss that compares rows
        name = "relativistic-test"
        Options = AdversarialOptions

        def make_loss(self):
            return get_loss("relativistic-average")

    with pytest.raises(AssertionError, match="one at a time: .*per-row terms.*batchable = False"):
        check_stacking(Relativistic)
