"""The conformance kit (ganaug.testing), run on every registered backend."""

from ganaug.testing import parametrize_backend_checks


@parametrize_backend_checks()
def test_backend_conformance(backend, check):
    check(backend)
