"""The ``greetbench`` command line: the one place that imports the library (``harness``), the tasks (``tasks``)
and the trainers (``trainers``) together."""
