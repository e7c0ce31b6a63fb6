"""The backend contract (ganaug.backend): the fit template, what build and setup see, old spellings."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from ganaug import GANOverSampler
from ganaug.backend import Backend, DataShape, TrainingControl, TrainingData, base, check_backend_class
from ganaug.errors import NotFittedError
from ganaug.options import OptionsBase
from ganaug.testing import parametrize_backend_checks, tiny_table
from ganaug.training import AdversarialOptions, MLPGANBackend


class GaussianBackend(Backend):
    """A class-conditional diagonal Gaussian: a real model without nets, the smallest direct Backend."""

    name = "gaussian-test"
    data_kinds = ("tabular", "image")
    conditional = True
    reference = "none: the baseline every generator should beat"
    state_tensors = ("means", "scales")

    @dataclass
    class Options(OptionsBase):
        epochs: int = 2
        batch_size: int = 64
        spread: float = 1.0  # the samples' scale, relative to the data's

    def build(self, shape: DataShape) -> None:
        self.means = torch.zeros(shape.n_classes, *shape.sample_shape)
        self.scales = torch.ones(shape.n_classes, *shape.sample_shape)

    def train(self, data: TrainingData, control: TrainingControl) -> None:
        # each epoch: streaming means and variances in batches, then the data's negative log-likelihood
        X, y = data.X.cpu(), data.y.cpu()
        for _ in range(self.options.epochs):
            total = torch.zeros_like(self.means)
            squares = torch.zeros_like(self.means)
            counts = torch.zeros(len(self.means))
            for start in range(0, len(X), self.options.batch_size):
                batch = slice(start, start + self.options.batch_size)
                rows, classes = X[batch], y[batch]
                total.index_add_(0, classes, rows)
                squares.index_add_(0, classes, rows ** 2)
                counts += torch.bincount(classes, minlength=len(counts))
            shape = (-1,) + (1,) * (self.means.ndim - 1)
            self.means = total / counts.clamp(min=1).view(shape)
            variance = squares / counts.clamp(min=1).view(shape) - self.means ** 2
            self.scales = variance.clamp(min=1e-6).sqrt()
            nll = (((X - self.means[y]) / self.scales[y]) ** 2 / 2 + self.scales[y].log()).mean()
            self.history_.append({"nll": float(nll)})

    def sample(self, n: int, class_index: int, generator: torch.Generator) -> torch.Tensor:
        noise = torch.randn(n, *self.means.shape[1:], generator=generator)
        return self.means[class_index] + self.options.spread * self.scales[class_index] * noise


@parametrize_backend_checks([GaussianBackend])
def test_a_direct_backend_subclass_passes_the_kit_and_saves(backend, check):
    check(backend)


def test_fit_records_the_shapes_saving_needs_and_drops_its_state(tmp_path):
    X, y = tiny_table()
    sampler = GANOverSampler(backend=GaussianBackend, random_state=0).fit(X, y)
    model = next(iter(sampler.backends_.values()))
    assert model.n_classes_ == y.nunique() and len(model.sample_shape_) == 1 and model.layout_
    assert model.fit_state is None
    loaded = type(model).load(model.save(tmp_path / "gauss.safetensors"), "cpu")
    draw = [m.sample(5, 1, torch.Generator().manual_seed(0)) for m in (model, loaded)]
    torch.testing.assert_close(draw[0], draw[1])


def test_an_unfitted_backend_says_so_when_saved(tmp_path):
    with pytest.raises(NotFittedError, match="fit it before saving"):
        GaussianBackend(GaussianBackend.Options(), torch.device("cpu")).save(tmp_path / "x.safetensors")


class Recording(MLPGANBackend):
    """Records what each hook saw, in order."""

    name = "recording-test"
    Options = AdversarialOptions
    calls: list = []

    def on_fit_start(self, data):
        super().on_fit_start(data)
        self.calls.append(("on_fit_start", len(data.X)))

    def setup(self, data):
        super().setup(data)
        self.calls.append(("setup", len(data.X)))

    def build(self, shape):
        self.calls.append(("build", type(shape).__name__, shape.sample_shape, shape.n_classes))
        super().build(shape)

    def on_fit_end(self):
        self.calls.append(("on_fit_end", type(self.fit_state).__name__, len(self.history_)))


def test_hooks_run_in_order_and_build_sees_the_same_shape_at_fit_and_at_load(tmp_path):
    X, y = tiny_table()
    Recording.calls = []
    sampler = GANOverSampler(backend=Recording, epochs=2, random_state=0).fit(X, y)
    width = sampler.backends_[sampler.classes_[0]].n_features_
    n, k = len(X), y.nunique()
    at_fit = [("on_fit_start", n), ("build", "DataShape", (width,), k), ("setup", n),
              ("on_fit_end", "FitState", 2)]
    # the host may first build the nets on the meta device (its memory estimate): the same shape, no rows
    estimate = Recording.calls[:-len(at_fit)]
    assert Recording.calls[-len(at_fit):] == at_fit and set(estimate) <= {at_fit[1]}
    path = sampler.save(tmp_path / "m.safetensors")
    Recording.calls = []
    GANOverSampler.load(path, "cpu", Recording)
    # the meta skeleton of the fit's memory estimate is reused: built once, for real; no setup, no rows
    assert Recording.calls == [("build", "DataShape", (width,), k)]
    base._META_STATES.clear()  # as in a new process
    Recording.calls = []
    GANOverSampler.load(path, "cpu", Recording)
    # built on the meta device (the file's tensors checked against it), then for real
    assert Recording.calls == [("build", "DataShape", (width,), k)] * 2


def test_the_class_check_names_what_a_backend_lacks():
    class NoTrain(Backend):
        name, Options = "no-train", GaussianBackend.Options

        def build(self, shape):
            pass

        def sample(self, n, class_index, generator):
            pass

    class NoBuild(GaussianBackend):
        build = Backend.build

    with pytest.raises(TypeError, match="must implement `train"):
        check_backend_class(NoTrain)
    with pytest.raises(TypeError, match="must implement `build`"):
        check_backend_class(NoBuild)
    check_backend_class(GaussianBackend)


# ---- the spellings of ganaug 0.1 keep working for one release, with a warning ------------------
def test_a_build_that_reads_rows_still_works_with_a_warning(tmp_path):
    class OldBuild(MLPGANBackend):
        name = "old-build-test"
        Options = AdversarialOptions
        rows_seen: list = []

        def build(self, data):
            self.rows_seen.append(len(data.X))  # 0.1: rows at fit, none when loading
            super().build(data)

    X, y = tiny_table()
    with pytest.warns(DeprecationWarning, match="receives a DataShape"):
        sampler = GANOverSampler(backend=OldBuild, epochs=1, random_state=0).fit(X, y)
    base._META_STATES.clear()  # loading as a new process would, on the meta device first
    with pytest.warns(DeprecationWarning, match="receives a DataShape"):
        GANOverSampler.load(sampler.save(tmp_path / "m.safetensors"), "cpu", OldBuild)
    # the rows at fit; none for the memory estimate before it, nor at load (on the meta device, then for real)
    assert OldBuild.rows_seen == [0, len(X), 0, 0]


def test_a_backend_that_overrides_fit_still_trains_saves_and_gets_its_checkpoint(tmp_path):
    with pytest.warns(DeprecationWarning, match="overrides fit"):
        class OldFit(MLPGANBackend):
            name = "old-fit-test"
            Options = AdversarialOptions
            seen: list = []

            def fit(self, data):
                self.seen.append(self.control.path)
                super().fit(data)
                return self

    X, y = tiny_table()
    checkpoint = tmp_path / "run.safetensors"
    sampler = GANOverSampler(backend=OldFit, epochs=1, random_state=0, checkpoint=checkpoint).fit(X, y)
    assert OldFit.seen == [checkpoint] and checkpoint.exists()
    model = next(iter(sampler.backends_.values()))
    assert model.layout_ and model.fit_state is None
    sampler.save(tmp_path / "m.safetensors")


def test_attributes_parked_on_the_backend_in_0_1_are_read_from_fit_state_with_a_warning():
    class OldStep(MLPGANBackend):
        name = "old-step-test"
        Options = AdversarialOptions
        seen: list = []

        def after_generator_step(self):
            self.seen.append((self.batch_, len(self.data_.X), type(self.opt_g).__name__))

    X, y = tiny_table()
    moved = r"is deprecated since ganaug 0.2.*read self.fit_state"
    with pytest.warns(DeprecationWarning, match=moved) as record:
        GANOverSampler(backend=OldStep, epochs=1, batch_size=16, random_state=0).fit(X, y)
    assert "backend.batch_ is deprecated" in str(record[0].message) and "fit_state.batch_size" in str(
        record[0].message)
    assert OldStep.seen[0] == (16, len(X), "Adam")


def test_built_in_backends_use_none_of_the_old_spellings():
    X, y = tiny_table()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for backend in ("ctgan", "cyclegan", "text-gan", "cogan", "wgan-gp"):
            GANOverSampler(backend=backend, epochs=1, random_state=0).fit(X, y)


def test_data_shape_properties():
    shape = DataShape((3, 8, 8), 2, (), "image")
    assert (shape.width, shape.side, shape.size) == (3, 8, 192)
    with pytest.raises(AttributeError):
        shape.X  # noqa: B018 - a shape made without data has no rows to serve
    assert np.prod(shape.sample_shape) == shape.size
