"""The bases of the models in :mod:`decentsocial.models`, kept apart from them.

``_Model`` is every model's base: frozen, no extra fields, a short repr (reprs reach logs), and
``_trusted`` for converters that build many models from values already validated. ``_Input`` is the
base of the models callers build (drafts, media, amounts): every construction error is
``InvalidInput``, naming fields and problems but never values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import GetSetDescriptorType, MemberDescriptorType
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, ValidatorFunctionWrapHandler, model_validator

from .errors import InvalidInput

_M = TypeVar("_M", bound="_Model")
#: Stands for a required field in a model's :func:`_template` (``_trusted`` must be given each).
_REQUIRED: Any = object()
#: Each model's fields in their order, with their defaults (:meth:`_Model._trusted` starts from it).
_TEMPLATES: dict[type[BaseModel], dict[str, Any]] = {}
#: :meth:`_Model._trusted`'s builders, by model and fields set (``None``: every field).
_BUILDERS: dict[tuple[type[BaseModel], frozenset[str] | None], Callable[..., Any]] = {}
_new_object = object.__new__


def _slot_setter(name: str) -> Callable[[Any, Any], None]:
    """The setter of one of BaseModel's slots (a third of the cost of ``object.__setattr__``)."""
    slot = BaseModel.__dict__.get(name)
    if isinstance(slot, (MemberDescriptorType, GetSetDescriptorType)):  # ``__dict__``'s is a getset
        return slot.__set__
    return lambda model, value: object.__setattr__(model, name, value)  # pragma: no cover - other pydantic


_set_state, _set_fields_set, _set_extra, _set_private = map(
    _slot_setter, ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
)


def _template(cls: type[BaseModel]) -> dict[str, Any]:
    """``cls``'s fields in their order with their defaults (required ones marked :data:`_REQUIRED`)."""
    if cls.__pydantic_post_init__ or cls.__pydantic_root_model__:  # pragma: no cover - none of ours
        raise TypeError(f"{cls.__name__} cannot be built without validation")
    values: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        if info.default_factory is not None:  # pragma: no cover - the output models have none
            raise TypeError(f"{cls.__name__}.{name} has a default factory")
        values[name] = _REQUIRED if info.is_required() else info.default
    _TEMPLATES[cls] = values
    return values


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        ser_json_bytes="base64",
        val_json_bytes="base64",
    )

    #: The fields a ``repr`` shows (``None``: all), so a post's repr is one short line, not its raw payload.
    _repr_fields: ClassVar[tuple[str, ...] | None] = None

    @classmethod
    def _trusted(cls: type[_M], values: dict[str, Any], given: frozenset[str] | None = None) -> _M:
        """What validation builds of ``values``, built without it: only for converters building many models
        (a Hive discussion) of values already what validation leaves (each of its field's exact type: ``str``
        not a subclass, tuples not lists, UTC datetimes with ``timezone.utc``; normalised as validators
        would; ``raw`` a dict of the model's own). The fields given (each required one) are set, the others
        default; ``values`` of every field (in order) becomes the ``__dict__`` (a new dict, not kept); with
        ``given``, it holds every field, ``given`` those set. Unchecked (as costly as the rest):
        ``tests/hive/test_trusted.py`` rebuilds every model so built through validation, over every
        recorded and fuzzed input."""
        build = _BUILDERS.get(key := (cls, given)) or _BUILDERS.setdefault(key, cls._builder(given))
        if given is None:
            template = _TEMPLATES.get(cls) or _template(cls)
            if len(values) != len(template):  # the fields given are set; all are kept, in order
                return build({**template, **values}, set(values))  # type: ignore[no-any-return]
        return build(values)  # type: ignore[no-any-return]

    @classmethod
    def _builder(cls: type[_M], given: frozenset[str] | None = None) -> Callable[..., _M]:
        """``cls._trusted(values, given)`` for a ``values`` holding every field (a third faster in a loop).
        Its models share one fields-set: pydantic changes a model's only when a field is assigned
        (refused: frozen) and gives each copy (``model_copy``, ``copy``, pickle) a set of its own."""
        every = _TEMPLATES.get(cls) or _template(cls)  # (refuses a model it cannot build)
        fields_set = set(every if given is None else given)

        def build(values: dict[str, Any], fields_set: set[str] = fields_set) -> _M:
            model = _new_object(cls)
            _set_state(model, values)  # as validation does: the dict built for it is its ``__dict__``
            _set_fields_set(model, fields_set)
            _set_extra(model, None)
            _set_private(model, None)
            return model

        return build

    def __repr_args__(self) -> Any:
        if self._repr_fields is None:  # every field, but long text cut and bytes counted (reprs reach logs)
            yield from ((name, _brief(value, name)) for name, value in super().__repr_args__())
            return
        for name in self._repr_fields:
            value = getattr(self, name)
            if value is not None and value != ():
                yield name, _brief(value, name)


def _identity_hash(model: Any) -> int:
    """The hash of a model with an identity (a post, an account…): its type, ``network`` and ``id``.

    Equal models have all three equal (equality compares every field), so this agrees with it;
    ``raw``, a dict, takes no part (pydantic's hash of every field fails on it).
    """
    return hash((type(model), model.network, model.id))


def _brief(value: Any, name: str | None = None) -> Any:
    """A value as a repr shows it: long text cut (an id whole up to 200, to be copied), an account by
    its handle, amounts as text."""
    if isinstance(value, str):
        return value if len(value) <= (cut := 200 if name == "id" else 60) else value[: cut - 1] + "…"
    if isinstance(value, bytes):  # a file's bytes (Media.data): megabytes in a log line otherwise
        return f"<{len(value)} bytes>"
    from .models import Account, Amount, Post  # (defined on top of this module)

    if isinstance(value, Account):
        return value.handle
    if isinstance(value, Post):
        return value.id
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, tuple) and value and isinstance(value[0], Amount):
        return ", ".join(map(str, value))
    return value


class _Input(_Model):
    """A model callers build (drafts, media, amounts): every construction error is ``InvalidInput``.

    Pydantic's ``ValidationError`` is turned into ``InvalidInput`` naming the
    fields and what was wrong (never the values), and a string where a
    sequence is expected is refused rather than split into characters.
    """

    _sequences: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _as_invalid_input(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if cls._sequences and isinstance(data, Mapping):  # (an ABC check: only where it can matter)
            for name in cls._sequences:
                if isinstance(data.get(name), (str, bytes)):
                    raise InvalidInput(
                        f"{cls.__name__}.{name} must be a list or tuple, not a single string "
                        f"(write {name}=[{data[name]!r}])"
                    )
        try:
            return handler(data)
        except ValidationError as exc:
            raise InvalidInput(f"invalid {cls.__name__}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """Field names and problems only: never the input values, which may be secrets."""
    parts = []
    for err in exc.errors(include_input=False, include_url=False):
        where = ".".join(str(x) for x in err["loc"]) or "value"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
