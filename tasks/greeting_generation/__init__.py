from tasks.greeting_generation.task import greeting_generation

__all__ = ["greeting_generation"]
