"""evaluate's stacked fold fits (ganaug.evaluation.prefit): which samplers stack, and the fold samplers."""

import numpy as np
from imblearn.over_sampling import SMOTE
from sklearn.model_selection import StratifiedKFold

from ganaug import GANOverSampler
from ganaug.evaluation.prefit import OUTER, FoldSamplers, prefit_folds, stacks
from ganaug.evaluation.remedies import Remedy


class OwnFit(GANOverSampler):
    def fit_resample(self, X, y=None, resume=False):  # a subclass's own fit must run as written
        return super().fit_resample(X, y, resume)


def test_which_samplers_stack(tmp_path):
    assert stacks(GANOverSampler(), "tabular")
    assert stacks(GANOverSampler(backend="ctgan"), "tabular")
    assert not stacks(GANOverSampler(stack_models=False), "tabular")
    assert not stacks(GANOverSampler(checkpoint=tmp_path / "run.ckpt"), "tabular")
    assert not stacks(GANOverSampler(backend="dcgan"), "image")
    assert not stacks(GANOverSampler(no_such_option=1), "tabular")  # the fold reports the error
    assert not stacks(OwnFit(), "tabular")
    assert not stacks(SMOTE(), "tabular") and not stacks(None, "tabular")


def test_prefit_gives_each_fold_its_own_fitted_samplers():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (40, 2)), rng.normal(2, 1, (12, 2))]
    y = np.r_[np.zeros(40, int), np.ones(12, int)]
    splits = list(StratifiedKFold(2, shuffle=True, random_state=0).split(X, y))
    gan = GANOverSampler(steps=3, random_state=0)
    entries = {"gan": gan, "gan+t": Remedy(gan, threshold=True), "smote": SMOTE()}
    out = prefit_folds(X, y, splits, entries, "tabular", lambda data, index: data[index])
    assert out["smote"] is entries["smote"] and "backends_" not in vars(gan)  # the caller's is untouched
    for name, inner in (("gan", 0), ("gan+t", 5)):
        folds = out[name]
        assert len(folds) == 2 and all(isinstance(f.sampler, FoldSamplers) for f in folds)
        assert all(len(f.sampler.fitted) == 1 + inner and f.sampler.fit_seconds > 0 for f in folds)
        assert folds[1].threshold == (name == "gan+t")
    train = splits[0][0]
    X_fit, y_fit = out["gan"][0].sampler.fitted_for(OUTER).fit_resample(X[train], y[train])
    assert np.array_equal(X_fit[: len(train)], X[train]) and np.bincount(y_fit).tolist() == [20, 20]
