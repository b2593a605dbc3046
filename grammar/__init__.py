"""Jenkinsfile grammar: Groovy text -> syntax tree -> declarative model -> Jenkins-format errors."""
from .errors import Diagnostic, GroovySyntaxError, JenkinsfileError
from .parser import parse_expression, parse_groovy

__all__ = ["Diagnostic", "GroovySyntaxError", "JenkinsfileError", "parse_expression", "parse_groovy"]
