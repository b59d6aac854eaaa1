"""Time one load of the tracks on LEARNPATH_PATH: ``--cold`` bypasses the cache (a full
validate), ``--warm`` uses it. Meant to be run under hyperfine, see bench/bench_curriculum.sh."""

from __future__ import annotations

import sys

from learnpath.content import curriculum

tracks = curriculum.load_tracks(use_cache="--cold" not in sys.argv)
assert "corpus" in tracks, sorted(tracks)
