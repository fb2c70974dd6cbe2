"""Faster construction of partial rows (`.only(...)` queries), the rows of every listing.

Tortoise builds a model from a row with a fast path for complete rows; a partial row makes it
fail on the first missing column and fall back to a slow loop that rebuilds the same sets for
every row. `init_from_db` does exactly what that fallback does (same conversions, same flags,
same attributes) from a plan made once per set of columns.
"""

from __future__ import annotations

from typing import Any, TypeVar

from tortoise.models import Model

M = TypeVar("M", bound=Model)

NATIVE, DEFAULT, COMPLEX = 0, 1, 2
# (column, attribute, conversion kind, field) per column of the row, in the row's order.
Plan = tuple[tuple[str, str, int, Any], ...]
MAX_PLANS = 512  # distinct column sets per model; beyond it, plans are made but not kept

_plans: dict[tuple[type[Model], tuple[str, ...]], Plan | None] = {}


def _plan(model: type[Model], columns: tuple[str, ...]) -> Plan | None:
    """The partial-row plan, or None for a complete row (Tortoise's own fast path handles it)
    or one that sets an attribute through a descriptor (Tortoise's way, then)."""
    meta = model._meta
    native = {key for key, _, _ in meta.db_native_fields}
    default = {key for key, _, _ in meta.db_default_fields}
    complex_ = {key for key, _, _ in meta.db_complex_fields}
    present = set(columns)
    if native <= present and default <= present and complex_ <= present:
        return None
    steps = []
    for key in columns:
        if key not in meta.fields_map:
            continue
        field = meta.fields_map[key]
        kind = NATIVE if key in native else DEFAULT if key in default else COMPLEX
        attribute = meta.fields_db_projection_reverse.get(key, key)
        if hasattr(type(getattr(model, attribute, None)), "__set__"):
            return None  # a data descriptor: writing the instance dict would bypass it
        steps.append((key, attribute, kind, field))
    return tuple(steps)


def init_from_db(model: type[M], row: dict[str, Any]) -> M | None:
    """The model for a partial row, exactly as Tortoise's fallback builds it; None for a complete
    row (the caller then uses Tortoise's own fast path)."""
    columns = tuple(row)
    key = (model, columns)
    try:
        plan = _plans[key]
    except KeyError:
        plan = _plan(model, columns)
        if len(_plans) < MAX_PLANS:
            _plans[key] = plan
    if plan is None:
        return None
    meta = model._meta
    self = model.__new__(model)
    # Straight into the instance dict: what object.__setattr__ does for plain attributes (the
    # plan has no descriptors), without a call per column.
    values: dict[str, Any] = {
        "_partial": True,
        "_saved_in_db": True,
        "_custom_generated_pk": meta.db_pk_column not in meta.generated_db_fields,
        "_await_when_save": {},
    }
    for column, attribute, kind, field in plan:
        value = row[column]
        if kind == DEFAULT:
            if value is not None:
                value = field.field_type(value)
        elif kind == COMPLEX:
            value = field.to_python_value(value)
        values[attribute] = value
    self.__dict__.update(values)
    return self
