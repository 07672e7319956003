"""Rule scopes: the domains an admin types, read as plain literals and never evaluated.

``parse`` accepts what the domain editor writes (a list of ``(field, operator, value)``
conditions and ``'&'``, ``'|'``, ``'!'``) made of text, numbers, True, False, None, lists and
tuples; a minus sign may precede a number. Anything else (operators, calls, names such as
``uid``) is refused before it runs: ``9**9**9`` is an operator, not a number to compute.
"""

import ast
import math

MAX_LENGTH = 100_000  # characters; a scope listing thousands of ids still fits
MAX_INTEGER = 2**63 - 1  # PostgreSQL's bigint
LOGIC = ("&", "|", "!")


class ScopeError(ValueError):
    """What is wrong with a scope: ``problem`` (a key) and ``detail`` (the offending text)."""

    def __init__(self, problem, detail=""):
        super().__init__(problem, detail)
        self.problem = problem
        self.detail = detail


def parse(text):
    """The domain written in ``text``, as a list; raises ScopeError."""
    text = (text or "").strip() or "[]"
    if len(text) > MAX_LENGTH:
        raise ScopeError("too_long", str(MAX_LENGTH))
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise ScopeError("syntax", str(getattr(error, "msg", error))) from None
    domain = _literal(tree.body)
    if not isinstance(domain, list):
        raise ScopeError("shape", _snippet(tree.body))
    for item in domain:
        if not _is_term(item):
            raise ScopeError("shape", repr(item)[:80])
    return domain


def _is_term(item):
    if isinstance(item, str):
        return item in LOGIC
    return (
        isinstance(item, list | tuple)
        and len(item) == 3
        and isinstance(item[0], str | int)
        and isinstance(item[1], str)
    )


def _literal(node):
    if isinstance(node, ast.Constant):
        return _constant(node.value)
    if isinstance(node, ast.List):
        return [_literal(element) for element in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_literal(element) for element in node.elts)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        value = _constant(node.operand.value)
        return -value if isinstance(node.op, ast.USub) else value
    raise ScopeError(_kind(node), _snippet(node))


def _constant(value):
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int) and abs(value) <= MAX_INTEGER:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, int | float):
        raise ScopeError("too_large", str(value)[:40])
    raise ScopeError("forbidden", repr(value)[:80])


def _kind(node):
    if isinstance(node, ast.Call):
        return "call"
    if isinstance(node, ast.Name | ast.Attribute):
        return "name"
    if isinstance(node, ast.BinOp | ast.BoolOp | ast.Compare | ast.UnaryOp):
        return "operator"
    return "forbidden"


def _snippet(node):
    return ast.unparse(node)[:80]
