"""Inspect tasks of greetbench (registered under the ``greetbench/`` namespace)."""
