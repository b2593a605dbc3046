"""A tighter LALR driver loop for the Lark parser, with the same tables, lexer and callbacks.

Lark's generic loop looks up each reduction's callback by Rule (a Python-level __hash__/__eq__)
and asserts on every step; for a grammar that reduces ~3 times per token that loop dominated the
parse time. Here the parse table is compiled once into plain tuples
(shift: next state; reduce: size, goto symbol, callback) and driven by a small loop. Anything
unusual (interactive parsing, resuming from a state) falls back to Lark's own loop.
"""
from __future__ import annotations

from lark import Lark, Token
from lark.exceptions import UnexpectedToken
from lark.parsers.lalr_analysis import Shift
from lark.parsers.lalr_parser import _Parser
from lark.parsers.lalr_parser_state import ParseConf, ParserState


def _compile(parse_table, callbacks) -> dict:
    compiled = {}
    for state, actions in parse_table.states.items():
        row = {}
        for symbol, (action, arg) in actions.items():
            if action is Shift:
                row[symbol] = (True, arg)
            else:
                row[symbol] = (False, (len(arg.expansion), arg.origin.name, callbacks[arg]))
        compiled[state] = row
    return compiled


class _FastParser(_Parser):
    def __init__(self, base: _Parser) -> None:
        super().__init__(base.parse_table, base.callbacks, base.debug)
        self._table = _compile(base.parse_table, base.callbacks)
        self._token_callbacks = {k for k in base.callbacks if isinstance(k, str)}

    def parse(self, lexer, start, value_stack=None, state_stack=None, start_interactive=False):
        if start_interactive or value_stack or state_stack or self._token_callbacks:
            return super().parse(lexer, start, value_stack, state_stack, start_interactive)
        conf = ParseConf(self.parse_table, self.callbacks, start)
        state = ParserState(conf, lexer)
        table = self._table
        stack = state.state_stack
        values = state.value_stack
        token = None
        for token in lexer.lex(state):
            ttype = token.type
            while True:
                try:
                    shift, arg = table[stack[-1]][ttype]
                except KeyError:
                    raise self._unexpected(token, stack[-1], state) from None
                if shift:
                    stack.append(arg)
                    values.append(token)
                    break
                size, origin, callback = arg
                if size:
                    children = values[-size:]
                    del stack[-size:]
                    del values[-size:]
                else:
                    children = []
                values.append(callback(children))
                stack.append(table[stack[-1]][origin][1])
        end = Token.new_borrow_pos("$END", "", token) if token else Token("$END", "", 0, 1, 1)
        end_state = conf.end_state
        while True:
            try:
                shift, arg = table[stack[-1]]["$END"]
            except KeyError:
                raise self._unexpected(end, stack[-1], state) from None
            size, origin, callback = arg
            if size:
                children = values[-size:]
                del stack[-size:]
                del values[-size:]
            else:
                children = []
            values.append(callback(children))
            stack.append(table[stack[-1]][origin][1])
            if stack[-1] == end_state:
                return values[-1]

    def _unexpected(self, token, state_id, state) -> UnexpectedToken:
        expected = {s for s in self.parse_table.states[state_id].keys() if s.isupper()}
        return UnexpectedToken(token, expected, state=state, interactive_parser=None)


class Fallback(Exception):
    """The fused loop met something it does not handle itself (an error): rerun the generic path."""


class _LazyLexers(dict):
    """Per-parser-state scanners, compiled on first use: compiling all ~170 of them up front
    would cost more than parsing a typical Jenkinsfile."""

    def __init__(self, lexers: dict) -> None:
        super().__init__()
        self._source = lexers

    def __missing__(self, state):
        lexer = self._source[state]
        scanner = lexer.scanner  # builds the scanner and the keyword callbacks
        entry = (tuple(scanner._mres), lexer.callback, lexer.ignore_types, lexer.newline_types)
        self[state] = entry
        return entry


class FusedParser:
    """Lexer, newline filter and LALR loop in one function, for the common case of valid input.

    It uses Lark's own per-parser-state scanners (the contextual lexer's terminal sets) and
    compiled table, so it accepts exactly what the generic path accepts; on any error it gives up
    and the caller reruns the generic path, which raises Lark's detailed exceptions.
    """

    def __init__(self, parser: Lark, fast: _FastParser, make_filter) -> None:
        self._fast = fast
        self._make_filter = make_filter
        contextual = parser.parser.lexer
        contextual = getattr(contextual, "lexer", contextual)  # unwrap the PostLexConnector
        self._lexers = _LazyLexers(contextual.lexers)

    def parse(self, text: str, start: str):
        fast = self._fast
        table = fast._table
        lexers = self._lexers
        stack = [fast.parse_table.start_states[start]]
        end_state = fast.parse_table.end_states[start]
        values: list = []
        feed = self._make_filter().feed
        pos, line, line_start, size = 0, 1, 0, len(text)
        token = None
        while pos < size:
            regexes, callbacks, ignore, newline_types = lexers[stack[-1]]
            for regex in regexes:
                found = regex.match(text, pos)
                if found:
                    break
            else:
                raise Fallback()
            value, ttype = found.group(0), found.lastgroup
            start_pos = pos
            column = pos - line_start + 1
            token_line = line
            pos += len(value)
            if ttype in newline_types:
                newlines = value.count("\n")
                if newlines:
                    line += newlines
                    line_start = start_pos + value.rindex("\n") + 1
            if ttype in ignore:
                continue
            token = Token(ttype, value, start_pos, token_line, column, line, pos - line_start + 1, pos)
            if ttype in callbacks:
                token = callbacks[ttype](token)
            token = feed(token)
            if token is None:
                continue
            ttype = token.type
            while True:
                try:
                    shift, arg = table[stack[-1]][ttype]
                except KeyError:
                    raise Fallback() from None
                if shift:
                    stack.append(arg)
                    values.append(token)
                    break
                n, origin, callback = arg
                if n:
                    children = values[-n:]
                    del stack[-n:]
                    del values[-n:]
                else:
                    children = []
                values.append(callback(children))
                stack.append(table[stack[-1]][origin][1])
        while True:
            try:
                shift, arg = table[stack[-1]]["$END"]
            except KeyError:
                raise Fallback() from None
            n, origin, callback = arg
            if n:
                children = values[-n:]
                del stack[-n:]
                del values[-n:]
            else:
                children = []
            values.append(callback(children))
            stack.append(table[stack[-1]][origin][1])
            if stack[-1] == end_state:
                return values[-1]


def fused(parser: Lark, make_filter) -> "FusedParser | None":
    """A FusedParser for an installed fast parser, or None when Lark's layout is not the expected one."""
    fast = getattr(getattr(parser.parser, "parser", None), "parser", None)
    if not isinstance(fast, _FastParser):
        return None
    try:
        return FusedParser(parser, fast, make_filter)
    except AttributeError:
        return None


def install(parser: Lark) -> bool:
    """Swap the fast loop into a built LALR Lark parser. Returns False if Lark's layout differs."""
    lalr = getattr(parser.parser, "parser", None)
    inner = getattr(lalr, "parser", None)
    if not isinstance(inner, _Parser) or not isinstance(getattr(inner, "callbacks", None), dict):
        return False
    lalr.parser = _FastParser(inner)
    return True
