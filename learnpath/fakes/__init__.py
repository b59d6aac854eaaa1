"""Fakes of third-party services that graded exercises talk to.

Each fake runs as its own process (``python -m learnpath.fakes.<name>``), keeps its state in memory,
listens on 127.0.0.1 only, and has a control API that graders use to steer it and read what the
learner's server did.
"""
