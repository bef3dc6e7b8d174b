"""Principles: the rule sets judges apply, kept as data files with a content hash."""

from harness.principles.principles import DEFAULT_PRINCIPLES, Principles, Rule, load_principles

__all__ = ["DEFAULT_PRINCIPLES", "Principles", "Rule", "load_principles"]
