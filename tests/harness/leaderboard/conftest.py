"""The leaderboard tests' logs, made once per session (see ``tests/leaderboard_logs.py``)."""

from __future__ import annotations

import pytest
from leaderboard_logs import MadeLogs, make_all


@pytest.fixture(scope="session")
def made_logs(tmp_path_factory: pytest.TempPathFactory) -> MadeLogs:
    return make_all(tmp_path_factory.mktemp("leaderboard-logs"))
