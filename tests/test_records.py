"""Record behaves as the collections.namedtuple (typing.NamedTuple) it replaces."""

from __future__ import annotations

import collections
import copy
import pickle
import typing

import pytest

from linter.records import Record


class Point(Record):
    """A point."""

    x: int
    y: int = 0
    label: str | None = None

    @property
    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)

    def moved(self, dx: int) -> Point:
        return self._replace(x=self.x + dx)


class Single(Record):
    only: str


Reference = collections.namedtuple("Reference", ["x", "y", "label"], defaults=[0, None])


def test_a_record_is_built_read_and_compared_as_a_named_tuple():
    for args, kwargs in [((1,), {}), ((1, 2), {}), ((1,), {"label": "a"}), ((), {"x": 1, "y": 2, "label": "b"})]:
        record, reference = Point(*args, **kwargs), Reference(*args, **kwargs)
        assert tuple(record) == tuple(reference) and record == reference and hash(record) == hash(reference)
        assert (record.x, record.y, record.label) == (reference.x, reference.y, reference.label)
        assert record._asdict() == reference._asdict()
        assert repr(record) == repr(reference).replace("Reference", "Point")
        assert record._replace(y=5) == reference._replace(y=5) and type(record._replace(y=5)) is Point
    assert isinstance(Point(1), tuple) and Point(1)[0] == 1 and len(Point(1)) == 3
    assert Point._fields == Reference._fields and Point._field_defaults == Reference._field_defaults == {"y": 0, "label": None}
    assert Point.__match_args__ == ("x", "y", "label") and Point._make([1, 2, "c"]) == Point(1, 2, "c")
    assert Point(1, 2).norm1 == 3 and Point(1).moved(2) == Point(3) and Point.__doc__ == "A point." and Point.__module__ == __name__
    assert Single("a") == ("a",) and Single(only="b").only == "b"


def test_a_record_refuses_what_a_named_tuple_refuses():
    for build in (lambda: Point(), lambda: Point(1, x=2), lambda: Point(1, 2, 3, 4), lambda: Point(1, z=3), lambda: Point._make([1])):
        with pytest.raises(TypeError):
            build()
    with pytest.raises(ValueError, match="unexpected field names"):
        Point(1)._replace(z=1)
    with pytest.raises(AttributeError):
        Point(1).x = 2
    with pytest.raises(AttributeError):
        Point(1).other = 2  # no __dict__: as light as a tuple
    with pytest.raises(TypeError, match="without a default follows"):

        class Wrong(Record):
            a: int = 0
            b: int


def test_a_record_pickles_copies_and_resolves_its_annotations():
    record = Point(1, 2, "x")
    for again in (pickle.loads(pickle.dumps(record)), copy.copy(record), copy.deepcopy(record)):
        assert again == record and type(again) is Point
    assert typing.get_type_hints(Point) == {"x": int, "y": int, "label": str | None}
