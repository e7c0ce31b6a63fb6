"""Fitting several samplers at once: their same-shaped models train as one stack.

:func:`fit_many` is the public way to fit K generators in one go: the folds
of a cross-validation (what :func:`ganaug.evaluate` does), an ensemble of
seeds on one table, or one sampler on each of several tables of one schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ganaug.backend import Backend
from ganaug.data.folders import read_labelled
from ganaug.errors import InputError
from ganaug.sampler.jobs import PlannedFit, finish_fit, plan_fit, train_jobs
from ganaug.sampler.params import check_parameters


def fit_many(samplers: Sequence[Any], datasets: Sequence[tuple[Any, Any]]) -> list[Any]:
    """Fit each sampler on its dataset, training their models together where they can be.

    Models of the same backend, options and shapes (the per-class generators
    of every sampler, or their conditional models) train as one stacked
    network (:mod:`ganaug.training.stacked`): with the default ``wgan-gp``,
    10 models cost about twice one. Backends that cannot be stacked, and
    samplers with a ``checkpoint``, train one model after another. Each
    sampler ends fitted as if by its own :meth:`~GANOverSampler.fit`, with
    models as good but not the same: the stack draws its batches and noise
    from the first sampler's seed. Pass ``stack_models=False`` to a sampler
    to have its models trained alone.

    Parameters
    ----------
    samplers : sequence of GANOverSampler
        Unfitted or fitted; each is (re)fitted in place.
    datasets : sequence of (X, y)
        One ``(X, y)`` per sampler, in the forms :meth:`~GANOverSampler.fit`
        takes. An ensemble of seeds on one table repeats the pair:
        ``[(X, y)] * len(samplers)``.

    Returns
    -------
    list of GANOverSampler
        The samplers, fitted; then ``generate``, ``save``, or
        :func:`resample_fitted` on the rows each was fitted on.

    Examples
    --------
    >>> samplers = [GANOverSampler(random_state=seed) for seed in range(10)]  # doctest: +SKIP
    >>> fit_many(samplers, [(X, y)] * 10)  # doctest: +SKIP
    """
    samplers, datasets = list(samplers), list(datasets)
    if len(samplers) != len(datasets):
        raise InputError(f"fit_many got {len(samplers)} samplers and {len(datasets)} datasets; give one "
                         "(X, y) pair per sampler, e.g. [(X, y)] * len(samplers) for an ensemble.")
    plans = []
    for sampler, pair in zip(samplers, datasets):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise InputError("each dataset of fit_many must be an (X, y) pair; for an image folder, "
                             "(folder, None).")
        check_parameters(sampler)
        data, y, y_arr = read_labelled(*pair)
        plans.append(plan_fit(sampler, data, y, y_arr, resume=False))
    models = _train_together(plans)
    return [finish_fit(plan, models[index]) for index, plan in enumerate(plans)]


def resample_fitted(sampler: Any, X: Any, y: Any = None, random_state: int | None = None) -> tuple[Any, Any]:
    """``(X, y)`` with the synthetic rows a fitted sampler draws by its sampling strategy appended.

    What :meth:`~GANOverSampler.fit_resample` returns after its fit, for a
    sampler fitted on these rows by :func:`fit_many`; ``random_state`` other
    than None draws other rows from the same fitted models (see ``generate``).
    """
    data, y, y_arr = read_labelled(X, y)
    synthetic, y_new = sampler.generate(sampler.sampling_strategy_, random_state=random_state)
    return sampler._merge(data, y, y_arr, synthetic, y_new)


def _train_together(plans: list[PlannedFit]) -> list[list[Backend]]:
    """Each plan's models, the jobs of all plans grouped by backend, options and device."""
    groups: dict[Any, list[tuple[int, int]]] = {}
    for p, plan in enumerate(plans):
        for j, job in enumerate(plan.jobs):
            key = (job.backend, repr(job.options), str(plan.device))
            groups.setdefault(key, []).append((p, j))
    models: list[list[Any]] = [[None] * len(plan.jobs) for plan in plans]
    for members in groups.values():
        first = plans[members[0][0]]
        jobs = [plans[p].jobs[j] for p, j in members]
        verbose = any(plans[p].sampler.verbose for p, _ in members)
        for (p, j), model in zip(members, train_jobs(jobs, first.device, verbose, first.sampler.n_jobs)):
            models[p][j] = model
    return models
