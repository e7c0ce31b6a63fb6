"""``GANOverSampler``: balance classes with a GAN backend, imbalanced-learn style.

``fit_resample`` is a template method, as imbalanced-learn's samplers are:
validate ``X`` and ``y`` (:func:`ganaug.data.read_input` decides the data
kind once) -> the sampling strategy as ``{class: rows to add}`` -> encode and
fit one conditional model, or one model per class (:class:`TrainingJob`)
-> draw -> refine (:mod:`ganaug.refinements`) -> merge, originals first.

The package holds one module per job: :mod:`~ganaug.sampler.estimator` (the
class, its parameters and public methods), :mod:`~ganaug.sampler.params`
(parameter checks), :mod:`~ganaug.sampler.jobs` (training),
:mod:`~ganaug.sampler.many` (several samplers fitted together),
:mod:`~ganaug.sampler.drawing` (drawing) and :mod:`~ganaug.sampler.state`
(the model file, whose schema :mod:`ganaug.modelfile` checks).
"""

from ganaug.sampler.estimator import SAMPLER_PARAMS, GANOverSampler
from ganaug.sampler.jobs import COLLAPSE_DRAWS, COLLAPSE_DRAWS_IMAGES, COLLAPSE_SPREAD, TrainingJob, train_job
from ganaug.sampler.many import fit_many, resample_fitted

__all__ = ["COLLAPSE_DRAWS", "COLLAPSE_DRAWS_IMAGES", "COLLAPSE_SPREAD", "SAMPLER_PARAMS", "GANOverSampler",
           "TrainingJob", "fit_many", "resample_fitted", "train_job"]
