"""``python -m greetbench`` runs the command line."""

from greetbench.cli import main

main()
