"""Text to Groovy syntax tree: the one place that builds and runs the Lark parser.

The LALR parser is built once per process on first use (and cached on disk by Lark), so
importing orchestrator.grammar stays cheap. Lark's exceptions never escape: they become a
`GroovySyntaxError` with the line and column Groovy itself would report.
"""
from __future__ import annotations

from . import groovy as g


def get_parser():
    """The LALR parser (contextual lexer), built on first use and cached on disk by Lark."""
    from . import lalr
    return lalr.get_parser()


def parse_groovy(text: str) -> g.Script:
    """Parse a whole Groovy script (a Jenkinsfile). Raises GroovySyntaxError.

    A byte-order mark is dropped and CRLF line ends become LF, as Groovy's reader does.
    """
    from . import lalr
    return lalr.parse_groovy(text)


def parse_expression(text: str) -> g.Expr:
    """Parse one Groovy expression, e.g. the inside of `${...}`."""
    from . import lalr
    return lalr.parse_expression(text)
