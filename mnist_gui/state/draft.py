"""The settings being drafted for the next run: the network builder's form, as state.

``DraftSettings`` holds what the builder shows (the preset chosen, the layers with their dropout,
the input scaling, every training setting with augmentation and the training-set size) and the
dataset's shape, which sizes the input and output layers. Every field of ``NetworkSpec`` and
``TrainConfig`` but the two the dataset decides (input size, classes) is a field of the form. The
engine decides what is valid: ``errors()`` are the engine's own ``ValueError`` messages, per field.

Whoever fills the draft (a preset chosen in the Inside panel, a loaded model, a run's
settings, the learning-rate finder's suggestion) calls its methods; the builder listens to
``filled`` (show every value again) and ``changed`` (after every edit), and sends each edit back
with ``edit``.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal

from engine.classes import describe_choice, parse_choice
from engine.memory import check_training_fits
from engine.network import NetworkSpec
from engine.presets import PRESETS
from engine.training import TrainConfig

#: Which TrainConfig fields each field of the form checks, built alone with the defaults.
TRAIN_CHECKS = {"epochs": ("epochs",), "batch": ("batch_size",), "optimiser": ("optimiser",),
                "lr": ("lr",), "momentum": ("momentum",), "beta1": ("beta1",), "beta2": ("beta2",),
                "l2": ("weight_decay",), "schedule": ("schedule", "step_every", "step_gamma"),
                "validation": ("validation_fraction",), "seed": ("seed",),
                "augment": ("augment", "augment_shift", "augment_rotation", "augment_scale"),
                "train_size": ("train_size",)}
NETWORK_CHECKS = {"features": ("features", "input_size"),  # the convolutions must fit the dataset's images
                  "layers": ("hidden",), "init": ("init", "init_scale"), "loss": ("loss",),
                  "scaling": ("input_scaling",)}
#: The network fields the form shows (all but input_size and classes, which the dataset and the
#: classes chosen decide). "class_labels" is the choice as typed: "all" or "3, 7" (engine.classes).
NETWORK_FIELDS = ("features", "hidden", "loss", "init", "init_scale", "seed", "input_scaling", "class_labels")
#: The training fields the form shows: all of TrainConfig's.
TRAIN_FIELDS = ("epochs", "batch_size", "optimiser", "lr", "momentum", "beta1", "beta2", "weight_decay",
                "schedule", "step_every", "step_gamma", "validation_fraction", "seed", "test_every_epoch",
                "augment", "augment_shift", "augment_rotation", "augment_scale", "train_size")


class DraftSettings(QObject):
    """The next run's network and training settings, which may not be valid yet."""

    filled = Signal()               # new values for every field: a preset, a model, a run's settings
    changed = Signal()              # after every change (an edit, a fill, a new data shape)
    validity_changed = Signal(str)  # the first problem changed ("" once everything can work)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._input_size, self._classes, self._n_train = 784, 10, 55_000
        self._image_shape: tuple[int, int] | None = (28, 28)
        self._preset = "default"
        self._network: dict = {}
        self._training: dict = {}
        self._errors: dict[str, str] = {}
        self._problem = ""
        self.set_preset("default")

    # --- what the draft says ----------------------------------------------------------------

    def spec(self) -> NetworkSpec:
        """The network drafted; ValueError (the engine's message) if it cannot work."""
        self.class_labels()
        return NetworkSpec(**self._spec_values())

    def config(self) -> TrainConfig:
        """The training settings drafted; ValueError if they cannot work."""
        return TrainConfig(**self._config_values())

    def network_values(self) -> dict:
        """The network fields the form shows (``NETWORK_FIELDS``)."""
        return dict(self._network)

    def train_values(self) -> dict:
        """The training fields the form shows (TrainConfig's names), the seed among them."""
        return dict(self._training)

    @property
    def preset_name(self) -> str:
        return self._preset

    @property
    def data_shape(self) -> tuple[int, int, int, tuple[int, int] | None]:
        """(input size, classes, training images, image shape) of the dataset trained on."""
        return self._input_size, self._classes, self._n_train, self._image_shape

    def train_images(self) -> int:
        """How many training images a run takes: the training-set size, or all the dataset has."""
        size = self._training["train_size"]
        return self._n_train if size is None else min(size, self._n_train)

    def errors(self) -> dict[str, str]:
        """{field key: the engine's message} for every field that cannot work ("memory" too)."""
        return dict(self._errors)

    def problem(self) -> str:
        """The first reason the settings cannot work, or "" if they can."""
        return self._problem

    def preset(self):
        """The chosen engine preset, sized for the dataset (an ``engine.presets`` preset); as it is
        when its convolutions do not fit the dataset's images (the layers' error then says why)."""
        try:
            return PRESETS[self._preset].for_data(self._input_size, self._classes)
        except ValueError:
            return PRESETS[self._preset]

    def is_modified(self) -> bool:
        """True if the draft differs from the chosen preset."""
        chosen = self.preset()
        try:
            return (self.spec(), self.config()) != (chosen.network, chosen.training)
        except ValueError:
            return True

    # --- intent -----------------------------------------------------------------------------

    def set_preset(self, name: str) -> None:
        """Every setting from the engine preset ``name`` (sized for the dataset)."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
        self._preset = name
        chosen = self.preset()
        self.set_spec(chosen.network, chosen.training)

    def set_spec(self, spec: NetworkSpec, config: TrainConfig | None = None) -> None:
        """The network of ``spec`` (and the settings of ``config`` if given), e.g. of a loaded model."""
        self._network = {name: getattr(spec, name) for name in NETWORK_FIELDS}
        self._network["class_labels"] = describe_choice(spec.class_labels)
        if config is not None:
            self._training = {name: getattr(config, name) for name in TRAIN_FIELDS}
            self._network["seed"] = config.seed  # the form has one seed for both
        elif not self._training:
            self._training = {name: getattr(TrainConfig(), name) for name in TRAIN_FIELDS}
        self._training["seed"] = self._network["seed"]
        self._update()
        self.filled.emit()

    def set_lr(self, lr: float) -> None:
        """The learning rate only (the finder's suggestion, a smaller rate after a divergence)."""
        self._training["lr"] = float(lr)
        self._update()
        self.filled.emit()

    def set_data_shape(self, input_size: int, classes: int, n_train: int,
                       image_shape: tuple[int, int] | None = None) -> None:
        """The dataset's image size, classes and training images: the input and output layers."""
        self._input_size, self._classes, self._n_train = input_size, classes, n_train
        self._image_shape = image_shape
        self._update()

    def edit(self, network: dict, training: dict) -> None:
        """The form's values after an edit (``network_values`` and ``train_values`` keys)."""
        self._network.update({k: v for k, v in network.items() if k in NETWORK_FIELDS})
        self._training.update({k: v for k, v in training.items() if k in TRAIN_FIELDS})
        self._update()

    # --- checking ---------------------------------------------------------------------------

    def class_labels(self) -> tuple[int, ...]:
        """The classes chosen (() for all of the dataset's); ValueError saying what is valid."""
        return parse_choice(self._network["class_labels"], self._classes)

    def _spec_values(self) -> dict:
        """NetworkSpec's arguments; every class when the choice cannot work (its error says why)."""
        try:
            labels = self.class_labels()
        except ValueError:
            labels = ()
        return dict(self._network, input_size=self._input_size, class_labels=labels,
                    classes=len(labels) or self._classes)

    def _config_values(self) -> dict:
        return dict(self._training)

    def _update(self) -> None:
        self._errors = self._check()
        was, self._problem = self._problem, next(iter(self._errors.values()), "")
        self.changed.emit()
        if self._problem != was:
            self.validity_changed.emit(self._problem)

    def _check(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        values = self._config_values()
        for key, names in TRAIN_CHECKS.items():
            _collect(errors, key, TrainConfig, {n: values[n] for n in names})
        values = self._spec_values()
        for key, names in NETWORK_CHECKS.items():
            _collect(errors, key, NetworkSpec, {n: values[n] for n in names})
        try:
            self.class_labels()
        except ValueError as exc:
            errors["classes"] = str(exc)
        fraction, n = self._training["validation_fraction"], self.train_images()
        if not {"validation", "train_size"} & set(errors) and round(n * fraction) >= n:
            errors["validation"] = f"the validation split leaves no images to train on ({n:,} training images)"
        if errors:
            return errors
        try:
            spec = self.spec()
        except ValueError as exc:  # the layers do not fit the dataset's images, say
            return {"layers": str(exc)}
        try:
            config = self.config()
        except ValueError as exc:
            return {"optimiser": str(exc)}
        try:  # the engine refuses, before allocating, what this machine cannot hold
            check_training_fits(spec, config, self.train_images())
        except ValueError as exc:
            errors["memory"] = str(exc)
        return errors

    def memory_config(self) -> TrainConfig:
        """A valid TrainConfig with the draft's batch size, optimiser and weight decay when those
        can work (the defaults otherwise): what the memory estimate needs."""
        try:
            return replace(TrainConfig(), **{k: self._training[k] for k in
                                             ("batch_size", "optimiser", "weight_decay")})
        except ValueError:
            return TrainConfig()


def _collect(errors: dict, key: str, cls, values: dict) -> None:
    try:
        cls(**values)
    except ValueError as exc:
        errors[key] = str(exc)
