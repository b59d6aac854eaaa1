"""The grading engine: scaffold a learner's project, run their backend, grade it stage by stage.

Layers, each in its own module:

- ``project``: the learner's ``learnpath.yml`` (exercises, graders and starters come from
  :mod:`learnpath.content`);
- ``process``: start, wait for and tear down the learner's backend (a whole process group);
- ``client`` and ``checks``: what graders use (``Api`` records every exchange; ``expect_*``);
- ``pytest_plugin`` and ``worker``: pytest runs in a subprocess, one JSON line per result;
- ``runner``: which stages, in which order; runs the worker and collects results;
- ``report``: results.json (Exercism v3 plus stages) and JUnit XML;
- ``scaffold`` (``learnpath start``), ``mutants`` and ``proof_envs`` (``learnpath check``),
  ``session`` (one grading as the learner runs it: plan, run, record), ``watch`` (``--watch``).

Nothing here imports typer or rich: the CLI in ``learnpath/cli/grading.py`` renders.
"""
