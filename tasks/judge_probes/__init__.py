from tasks.judge_probes.task import judge_probes

__all__ = ["judge_probes"]
