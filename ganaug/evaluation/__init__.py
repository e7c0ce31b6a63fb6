"""Evaluation: does resampling help downstream? Cross-validation, statistics, reports, generator quality.

- :mod:`~ganaug.evaluation.crossval`: :func:`evaluate` and :func:`evaluate_datasets` (leak-free CV).
- :mod:`~ganaug.evaluation.stats`: intervals, paired tests, ranks and verdicts over the results.
- :mod:`~ganaug.evaluation.reports`: ``report(results, folder)``: CSV, Markdown and plots.
- :mod:`~ganaug.evaluation.quality`: image generator quality (CAS, Fréchet distance, sample grids).
"""

from ganaug.evaluation.crossval import (
    BASELINES,
    CLASSIFIERS,
    DEFAULT_CLASSIFIERS,
    default_classifiers,
    default_cv,
    evaluate,
    evaluate_datasets,
    make_classifiers,
    make_sampler,
    summarize,
)

__all__ = ["BASELINES", "CLASSIFIERS", "DEFAULT_CLASSIFIERS", "default_classifiers", "default_cv", "evaluate",
           "evaluate_datasets", "make_classifiers", "make_sampler", "summarize"]
