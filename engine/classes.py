"""A subset of the classes ("is it a 3 or a 7?"): the images of some classes only, relabelled 0..k-1.

A network trained on classes (3, 7) has two outputs: output 0 means "3" and output 1 means "7".
``subset_classes`` keeps the images of the chosen classes and numbers their labels by their place
in the choice, and ``dataset_with_classes`` does it to both splits of a Dataset, naming the classes
as the dataset does, so everything downstream (the network's size, the baseline, the confusion
matrix) sees an ordinary dataset of k classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .baseline import BaselineReport, MeanDigitClassifier, score_baseline
from .dataset import Dataset

MIN_CLASSES = 2
ALL = "all"  # how a choice of every class is written ("all" in the builder and in design files)


def check_classes(classes: Sequence[int], n_classes: int) -> tuple[int, ...]:
    """``classes`` as a sorted tuple once they are 2 or more distinct classes of 0..n_classes-1;
    ValueError saying what is valid otherwise."""
    if any(not isinstance(c, (int, np.integer)) or isinstance(c, bool) for c in classes):
        raise ValueError(f"classes must be whole numbers 0 to {n_classes - 1}, got {classes!r:.40}")
    chosen = tuple(sorted({int(c) for c in classes}))
    if len(chosen) != len(list(classes)):
        raise ValueError(f"each class may be chosen once, got {list(classes)}")
    if len(chosen) < MIN_CLASSES:
        raise ValueError(f"choose at least {MIN_CLASSES} classes, got {len(chosen)}")
    if chosen[0] < 0 or chosen[-1] >= n_classes:
        raise ValueError(f"classes must be 0 to {n_classes - 1}, got {', '.join(map(str, chosen))}")
    return chosen


def parse_classes(text: str, n_classes: int = 10) -> tuple[int, ...]:
    """'3,7' or '3 7' -> (3, 7), checked by ``check_classes``."""
    parts = text.replace(",", " ").split()
    if not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"classes are written as numbers separated by commas, e.g. 3,7; got {text!r:.40}")
    return check_classes([int(p) for p in parts], n_classes)


def parse_choice(text: str, n_classes: int = 10) -> tuple[int, ...]:
    """A choice of classes as people type it: '' or 'all' -> () (every class), '3,7' -> (3, 7);
    all ``n_classes`` of them -> () too. ValueError saying what is valid otherwise."""
    if text.strip().lower() in ("", ALL):
        return ()
    try:
        chosen = parse_classes(text, n_classes)
    except ValueError as err:
        raise ValueError(f"{err}. Choose 2 to {n_classes} different classes 0 to {n_classes - 1}, "
                         f"e.g. 3,7, or all") from None
    return () if len(chosen) == n_classes else chosen


def describe_choice(class_labels: Sequence[int]) -> str:
    """What ``parse_choice`` reads back: () -> 'all', (3, 7) -> '3, 7'."""
    return ", ".join(map(str, class_labels)) if class_labels else ALL


def subset_classes(images: np.ndarray, labels: np.ndarray, classes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """The images (m, ...) whose label is one of ``classes``, in their order, and their new labels
    (m,) uint8: the label's place in ``classes`` (classes (3, 7): 3 -> 0, 7 -> 1)."""
    labels = np.asarray(labels)
    lookup = np.full(max(int(labels.max(initial=0)), max(classes)) + 1, -1, dtype=np.int64)
    lookup[list(classes)] = np.arange(len(classes))
    new = lookup[labels]
    keep = new >= 0
    return images[keep], new[keep].astype(np.uint8)


def dataset_with_classes(dataset: Dataset, classes: Sequence[int]) -> Dataset:
    """``dataset`` with only the images of ``classes`` in both splits, relabelled 0..k-1; its name
    says which ("MNIST · 3 and 7")."""
    chosen = check_classes(classes, len(dataset.class_names))
    train = subset_classes(dataset.train_images, dataset.train_labels, chosen)
    test = subset_classes(dataset.test_images, dataset.test_labels, chosen)
    names = tuple(dataset.class_names[c] for c in chosen)
    return replace(dataset, name=f"{dataset.name} · {describe(names)}", train_images=train[0],
                   train_labels=train[1], test_images=test[0], test_labels=test[1], class_names=names)


def images_of(labels: np.ndarray, class_labels: Sequence[int]) -> int:
    """How many of ``labels`` are one of ``class_labels`` (all of them for ()), without copying images."""
    return len(labels) if not class_labels else int(np.isin(labels, list(class_labels)).sum())


@dataclass(frozen=True, eq=False)
class Places:
    """Where the images a network of some classes sees are in the whole split, and what its outputs
    mean: image k of ``subset_classes(images, labels, classes)`` is image ``index(k)`` of the split,
    and output j is class ``label(j)`` (classes (3, 7): output 1 is a 7). For every class (``classes``
    ()) both are the number itself."""

    classes: tuple[int, ...]
    indices: np.ndarray | None  # (m,) int64, the split index of each kept image; None: every image

    def index(self, k: int) -> int:
        """The split index of image ``k`` of the images the network sees."""
        return int(k) if self.indices is None else int(self.indices[int(k)])

    def label(self, output: int) -> int:
        """The class (its label in the whole dataset) the network's output ``output`` stands for."""
        return int(output) if not self.classes else int(self.classes[int(output)])


EVERY_CLASS = Places((), None)  # a network of every class: each index and output is itself


def places(labels: np.ndarray, class_labels: Sequence[int]) -> Places:
    """The ``Places`` of the images of ``class_labels`` among ``labels`` (a split's labels, in the
    order ``subset_classes`` keeps them); () for a network of every class."""
    if not class_labels:
        return EVERY_CLASS
    indices = np.flatnonzero(np.isin(np.asarray(labels), list(class_labels))).astype(np.int64)
    return Places(tuple(int(c) for c in class_labels), indices)


def describe(names: Sequence[str]) -> str:
    """'3 and 7', '0, 1 and 2'."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def as_network_sees(dataset: Dataset, spec) -> Dataset:
    """The dataset as a network of ``spec`` sees it: only the classes of ``spec.class_labels``
    (relabelled 0..k-1), or the dataset itself for a network of every class. Every view that
    scores a network on a dataset (evaluation, the landscape, ablation, Inside) goes through this."""
    if not spec.class_labels:
        return dataset
    return dataset_with_classes(dataset, spec.class_labels)


def with_classes(spec, classes: Sequence[int] | None, n_classes: int = 10):
    """``spec`` choosing ``classes`` (checked; None or all of them: every class), its outputs sized to them."""
    if classes is None or len(set(classes)) == n_classes:
        return replace(spec, class_labels=(), classes=n_classes)
    chosen = check_classes(classes, n_classes)
    return replace(spec, class_labels=chosen, classes=len(chosen))


def baseline_on_classes(dataset: Dataset, class_labels: Sequence[int],
                        fitted: MeanDigitClassifier | None = None) -> BaselineReport:
    """The nearest-mean baseline on only the classes ``class_labels`` (() for all): fitted on their
    training images, scored on their test images, as ``evaluate_baseline(dataset_with_classes(...))``.

    fitted : the classifier already fitted on every class of ``dataset``. A class's mean does not
    depend on the other classes chosen, so the chosen classes' means are taken from it, with no
    second fit: the same numbers, in a fraction of the time.
    """
    seen = dataset_with_classes(dataset, class_labels) if class_labels else dataset
    if fitted is None:
        model = MeanDigitClassifier().fit(seen.train_images, seen.train_labels, seen.n_classes)
    else:
        means, stds = fitted.means, fitted.stds
        if means is None or stds is None or len(means) != len(dataset.class_names):
            raise ValueError("the fitted baseline must be fitted on every class of the dataset")
        model = MeanDigitClassifier(fitted.metric)
        rows = list(class_labels) if class_labels else slice(None)
        model.means, model.stds, model.n_train = means[rows], stds[rows], len(seen.train_labels)
    return score_baseline(model, seen)
