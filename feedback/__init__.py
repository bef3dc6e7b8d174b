"""The paper's two feedback makers: multi-agent preference data (:mod:`feedback.preferences`) and adversarial
principle optimization (:mod:`feedback.principles`).

A layer above the library: it uses ``harness`` (judges, data, principles) and may write what ``trainers`` read;
``harness`` never imports it (tests/test_layering.py).
"""
