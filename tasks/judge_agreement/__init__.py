from tasks.judge_agreement.task import judge_agreement

__all__ = ["judge_agreement"]
