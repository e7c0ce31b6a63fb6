"""GANOverSampler against the ecosystem's own check suites: scikit-learn's and imbalanced-learn's."""

from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

from ganaug import GANOverSampler

SAMPLER = GANOverSampler(backend="wgan-gp", epochs=1, batch_size=16, random_state=0, device="cpu")

# what a GAN oversampler cannot meet, and why; each is a strict xfail, so a fix shows up
SINGLE_ROW_CLASS = ("the check's y has a class of a single row, which GANOverSampler refuses with a message "
                    "(a generator cannot learn a distribution from one example)")
EXPECTED_FAILURES = dict.fromkeys(
    ("check_dont_overwrite_parameters", "check_f_contiguous_array_estimator", "check_dict_unchanged",
     "check_methods_sample_order_invariance", "check_methods_subset_invariance", "check_fit2d_predict1d"),
    SINGLE_ROW_CLASS)


@sklearn_checks([SAMPLER], expected_failed_checks=lambda estimator: EXPECTED_FAILURES)
def test_scikit_learn_checks(estimator, check):
    check(estimator)


@imblearn_checks([SAMPLER])
def test_imbalanced_learn_checks(estimator, check):
    check(estimator)
