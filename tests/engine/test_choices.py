"""One helper for the "unknown X; choose one of ..." lookups of the engine."""

import pytest

from engine.choices import choose


def test_a_known_name_gives_its_value_or_itself():
    assert choose("b", {"a": 1, "b": 2}, "letter") == 2
    assert choose("b", ("a", "b"), "letter") == "b"


@pytest.mark.parametrize("name", ["c", ["a"], 1, None, "x" * 100])
def test_anything_else_is_a_value_error_listing_the_choices(name):
    with pytest.raises(ValueError) as info:
        choose(name, {"a": 1, "b": 2}, "letter", where="row 3: ")
    message = str(info.value)
    assert message.startswith("row 3: unknown letter ") and message.endswith("; choose one of a, b")
    assert len(message) < 90  # a long name from a file is cut
