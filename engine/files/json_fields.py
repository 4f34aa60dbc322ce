"""Checking JSON values against a dataclass's fields, before the class sees them.

The config classes check their values' ranges but assume numbers are numbers; a file can hold
anything, so each value's type is checked first, by the field's annotation.
"""

from __future__ import annotations

from dataclasses import fields


def is_int(v) -> bool:
    """A JSON whole number (not a boolean)."""
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v) -> bool:
    """A JSON number (not a boolean)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# What a value may be, by its field's annotation; fields with another annotation are left to the
# class's own checks.
CHECKS = {
    "int": is_int, "float": is_number, "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "int | None": lambda v: v is None or is_int(v),
    "float | None": lambda v: v is None or is_number(v),
    "str | None": lambda v: v is None or isinstance(v, str),
}


def check_keys(d, allowed: set | frozenset, what: str, required: set | frozenset = frozenset()) -> None:
    """ValueError unless ``d`` is a dict with keys from ``allowed``, including all of ``required``."""
    if not isinstance(d, dict):
        raise ValueError(f"{what} must be an object, got {type(d).__name__}")
    unknown, missing = set(d) - allowed, required - set(d)
    if unknown:
        raise ValueError(f"{what} has unknown fields: {', '.join(sorted(map(str, unknown)))[:200]}")
    if missing:
        raise ValueError(f"{what} lacks {', '.join(sorted(missing))}")


def typed_fields(cls, d, what: str, skip=frozenset(), required: bool = True) -> dict:
    """``d`` checked against the fields of dataclass ``cls``: known keys only (all of them if
    ``required``), each value of its field's type. Returns ``d``; ValueError naming ``what``."""
    names = {f.name for f in fields(cls)} - set(skip)
    check_keys(d, names, what, required=names if required else set())
    for f in fields(cls):
        check = CHECKS.get(str(f.type))  # annotations are strings here (PEP 563)
        if f.name in d and check is not None and not check(d[f.name]):
            raise ValueError(f"{what}: {f.name} should be {f.type}, got {d[f.name]!r:.40}")
    return d


def train_config_from_dict(d):
    """A TrainConfig from its ``to_dict`` form (missing fields take their defaults), every value's
    type checked; ValueError for anything else."""
    from ..training import TrainConfig
    return TrainConfig(**typed_fields(TrainConfig, d, "training settings", required=False))
