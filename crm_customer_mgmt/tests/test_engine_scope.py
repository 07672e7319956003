import time

import pytest

from ..engine.scope import MAX_INTEGER, ScopeError, parse


def test_literals_come_back_as_the_domain():
    text = '["|", ("name", "ilike", "ab"), ("credit_score", ">=", -1.5), (1, "=", 1)]'
    assert parse(text) == ["|", ("name", "ilike", "ab"), ("credit_score", ">=", -1.5), (1, "=", 1)]
    assert parse("") == []
    assert parse("[('id', 'in', [1, 2, -3]), ('vat', '=', None)]")[0] == ("id", "in", [1, 2, -3])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[('id', '=', 9**9**9)]", "operator"),
        ("[('id', '=', -(9**9))]", "operator"),
        ("[('id', '=', not 1)]", "operator"),
        ("[('name', '=', open('x'))]", "call"),
        ("[('user_id', '=', uid)]", "name"),
        ("[('name', '=', os.sep)]", "name"),
        ("[('id', 'in', [x for x in 'ab'])]", "forbidden"),
        ("[('id', '=', b'1')]", "forbidden"),
        ("[('id', '=', 1e999)]", "too_large"),
        (f"[('id', '=', {MAX_INTEGER + 1})]", "too_large"),
        ("[('name', '=', 'a'", "syntax"),
        ("[('a', '=', 1)]\x00", "syntax"),
        ("[" * 300 + "]" * 300, "syntax"),
        ("{'a': 1}", "forbidden"),
        ("('a', '=', 1)", "shape"),
        ("['or', ('a', '=', 1)]", "shape"),
        ("[('a', 1, 1)]", "shape"),
        ("[0] * 2", "operator"),
        ("1" * 100_001, "too_long"),
    ],
)
def test_anything_but_literals_is_refused_without_running(text, problem):
    started = time.monotonic()
    with pytest.raises(ScopeError) as caught:
        parse(text)
    assert caught.value.problem == problem
    assert time.monotonic() - started < 1
