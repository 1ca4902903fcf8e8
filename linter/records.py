"""``Record``: a ``typing.NamedTuple`` that costs a tenth as much to define.

Why: every record type of bps-lint (60 of them) is a named tuple, cheap to build, compare and send to a
worker process. Defining one with ``typing.NamedTuple`` compiles source three times over (a ``ForwardRef``
per annotation, then ``collections.namedtuple``'s ``eval`` of its ``__new__``): 150 µs a class, a sixth of
what a one-cluster run spends beyond Python and lxml. Here ``__new__`` is one compiled function per number
of fields, renamed to each record's fields, and the other methods are shared by a base class. What a
record offers is ``collections.namedtuple``'s (fields by position and name, defaults, ``_replace``,
``_asdict``, ``_make``, ``_fields``, ``_field_defaults``, the repr, pickling), checked against it in
tests/test_records.py; annotations stay strings (``typing.get_type_hints`` resolves them).

    class Loc(Record):
        path: str
        line: int = 0
"""

from __future__ import annotations

import functools
from operator import itemgetter

try:
    from _collections import _tuplegetter  # what collections.namedtuple uses: a field read in C
except ImportError:  # another Python implementation

    def _tuplegetter(index, doc):
        return property(itemgetter(index), doc=doc)


class RecordBase(tuple):
    """The methods every record shares (``collections.namedtuple`` defines them again for each class)."""

    __slots__ = ()
    _fields = ()  # each record's own (not annotated: typing.get_type_hints would take them for fields)
    _field_defaults = {}  # noqa: RUF012

    @classmethod
    def _make(cls, iterable):
        result = tuple.__new__(cls, iterable)
        if len(result) != len(cls._fields):
            raise TypeError(f"Expected {len(cls._fields)} arguments, got {len(result)}")
        return result

    def _replace(self, /, **changes):
        result = self._make(map(changes.pop, self._fields, self))
        if changes:
            raise ValueError(f"Got unexpected field names: {list(changes)!r}")
        return result

    def _asdict(self) -> dict:
        return dict(zip(self._fields, self))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({', '.join(f'{name}={value!r}' for name, value in zip(self._fields, self))})"

    def __getnewargs__(self):
        return tuple(self)


@functools.lru_cache(maxsize=None)
def _new_of_arity(arity: int):
    """``__new__`` for records of ``arity`` fields, compiled once per arity; each record renames its arguments."""
    names = ", ".join(f"_{i}" for i in range(arity)) + ("," if arity == 1 else "")
    return eval(f"lambda _cls, {names}: _tuple_new(_cls, ({names}))", {"_tuple_new": tuple.__new__, "__builtins__": {}})  # noqa: S307


class _RecordType(type):
    def __new__(mcs, name: str, bases: tuple, namespace: dict):
        if bases == (RecordBase,):  # Record itself
            return super().__new__(mcs, name, bases, namespace)
        fields = tuple(namespace.get("__annotations__", {}))
        defaults = {field: namespace[field] for field in fields if field in namespace}
        if any(field.startswith("_") for field in fields) or len(set(fields)) != len(fields):
            raise TypeError(f"{name}: field names must be unique and not start with an underscore")
        if list(defaults) != list(fields[len(fields) - len(defaults) :]):
            raise TypeError(f"{name}: a field without a default follows one with a default")
        template = _new_of_arity(len(fields))
        code = template.__code__.replace(co_varnames=("_cls", *fields), co_name="__new__", co_qualname=f"{name}.__new__")
        new = type(template)(code, template.__globals__, "__new__", tuple(defaults.values()) or None)
        body = {key: value for key, value in namespace.items() if key not in fields and key != "__annotations__"}
        body.update(
            __slots__=(),
            _fields=fields,
            _field_defaults=defaults,
            __match_args__=fields,
            __new__=new,
            __annotations__=dict(namespace.get("__annotations__", {})),
        )
        body.update({field: _tuplegetter(index, f"Alias for field number {index}") for index, field in enumerate(fields)})
        return type(name, (RecordBase,), body)


class Record(RecordBase, metaclass=_RecordType):
    """Base of a record class, written as a ``typing.NamedTuple`` is: ``class Loc(Record): path: str; line: int = 0``."""

    __slots__ = ()
