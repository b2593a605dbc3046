"""Jenkinsfile grammar: Groovy text -> syntax tree -> declarative model -> Jenkins-format errors.

`check(text)` returns every diagnostic Jenkins would print; `parse(text)` returns the Pipeline or
raises JenkinsfileError. `parse_groovy` gives the Groovy tree alone.
"""
from .ast import Pipeline
from .errors import Diagnostic, GroovySyntaxError, JenkinsfileError
from .jenkinsfile import LintResult, check, parse
from .parser import parse_expression, parse_groovy

__all__ = ["Diagnostic", "GroovySyntaxError", "JenkinsfileError", "LintResult", "Pipeline", "check", "parse",
           "parse_expression", "parse_groovy"]
