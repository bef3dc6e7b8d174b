"""Trainers (SFT, reward model, GRPO) whose outputs flow straight into the greetbench harness."""
