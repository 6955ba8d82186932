"""The values a query names: what to check against the knowledge base when a subscription is saved.

A ``actor:NATOO`` clause is valid syntax that can only match a story in which that exact name was
tagged; the API and the CLI warn about such values (with close names) without refusing them.
"""

from __future__ import annotations

from alerts.query.evaluate import AndNode, CountryLeaf, Node, NotNode, OrNode, TagLeaf
from alerts.query.parse import TreeBuilder, parse_query


def tag_values(query: str) -> list[tuple[str, str]]:
    """``(field, value as written)`` of every exact tag or country clause, in query order.

    Wildcard values are left out (they name no one thing); raises QueryError like
    :func:`alerts.query.compile_query` on an invalid query.
    """
    out: list[tuple[str, str]] = []
    stack: list[Node] = [TreeBuilder(query).node(parse_query(query), None)]
    while stack:
        node = stack.pop()
        if isinstance(node, AndNode | OrNode):
            stack.extend(reversed(node.children))
        elif isinstance(node, NotNode):
            stack.append(node.child)
        elif isinstance(node, TagLeaf | CountryLeaf) and node.regex is None:
            out.append((node.field, node.shown))
    return list(dict.fromkeys(out))
