"""The content catalog: tracks, exercises and everything that belongs to an exercise.

The only reader of content folders, built in or added by instructors (``LEARNPATH_PATH``,
``LEARNPATH_CONTENT``); each definition is parsed once per process while its files are unchanged.

- ``locations``: which folders hold content, in override order;
- ``curriculum``: tracks and their weeks (compiled from YAML, cached as JSON), roadmap coverage;
- ``exercises``: exercise definitions and each one's graders, starters, solutions and mutants dir;
- ``graders`` and ``mutants``: static checks of grader files, mutant definitions.
"""
