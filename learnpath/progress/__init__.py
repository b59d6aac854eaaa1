"""The learner's progress: what the CLI, the roadmap views and the grading loop read and write.

Everything is keyed by stable ids (week module ids, topic ids, exercise and stage ids). Every
write appends an event to the log, from which history, activity and streaks are computed. Reads
never create the database: with no database yet, the learner simply has no progress.

The store is always explicit: the caller opens it (:func:`learnpath.store.reader` or
:func:`~learnpath.store.writer`) and passes a :class:`~.repository.Repository` over it down.

- ``repository``: the only module that writes SQL;
- ``enrollment``: track, pace, stack and specialization;
- ``marks``: week and topic statuses (``mark``, ``set_status``, ``resolve_item``, ``find_week``);
- ``quiz``: knowledge checks, pure (shuffle by seed, parse, map back, score);
- ``projects``: grading attempts, each project's stages;
- ``pace`` and ``streaks``: pure functions over dates, hours and rows;
- ``dashboard``: the data of the home and of ``learnpath progress`` (no display wording);
- ``transfer``: export, import, and reset (export and delete in one transaction).
"""
