"""greetbench harness: data, principles, judges, metrics, the embedded model and the CLI."""
