from ganaug_lsgan import LSGANBackend

from ganaug.testing import parametrize_backend_checks


@parametrize_backend_checks([LSGANBackend])
def test_lsgan(backend, check):
    check(backend)
