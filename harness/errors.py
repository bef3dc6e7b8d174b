"""User-facing errors: one line that names the file, line or field at fault, and no traceback.

A task's bad argument (a missing principles file, malformed YAML, an unknown judge) raises
:class:`TaskArgumentError` while the task is built. It is a ``ValueError`` (callers that catch those keep working)
and an Inspect ``PrerequisiteError``, which ``inspect eval`` prints as its message alone (Inspect exits 1).
``greetbench`` turns it into :class:`UserInputError`: ``Error: <message>`` and exit status 2, as click does for a
bad option.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

# Inspect's private module: PrerequisiteError is the one exception `inspect eval` prints as its message alone, and
# inspect-ai 0.3.285 exports it nowhere public. This is greetbench's only import from inspect_ai._*.
from inspect_ai._util.error import PrerequisiteError

USAGE_EXIT = 2
"""Exit status of a command given bad input (click's own for usage errors)."""


def one_line(text: object) -> str:
    """``text`` with every run of whitespace (newlines included) made one space."""
    return " ".join(str(text).split())


class TaskArgumentError(PrerequisiteError, ValueError):
    """A task argument that cannot be used; the message is one line."""

    def __init__(self, message: str) -> None:
        self.message = one_line(message)
        ValueError.__init__(self, self.message)

    def __str__(self) -> str:
        return self.message


class MissingInputError(TaskArgumentError, FileNotFoundError):
    """A task argument that names something absent (a file, the paper's data); still a ``FileNotFoundError``."""


class UserInputError(click.ClickException):
    """Bad input to a ``greetbench`` command: printed as ``Error: <message>``, exit status 2."""

    exit_code = USAGE_EXIT

    def __init__(self, message: object) -> None:
        super().__init__(one_line(message))


@contextmanager
def task_arguments() -> Iterator[None]:
    """Turn the argument errors raised inside the block into one-line :class:`TaskArgumentError`s.

    A ``FileNotFoundError`` becomes a :class:`MissingInputError`, a ``ValueError`` (``DataError`` included) a
    :class:`TaskArgumentError`.

    Raises:
        TaskArgumentError: For any of those raised inside the block.
    """
    try:
        yield
    except TaskArgumentError:
        raise
    except FileNotFoundError as error:
        raise MissingInputError(str(error)) from error
    except ValueError as error:
        raise TaskArgumentError(str(error)) from error
