"""Generate an instructor corpus of N week modules (default 2,000) for the load benchmark.

usage: python bench/gen_corpus.py OUT_DIR [N]

OUT_DIR becomes a curriculum root with one track, ``corpus``, whose weeks are copies of the
built-in backend weeks (same size and shape), renumbered and given fresh ids.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    out = Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    sources = sorted((ROOT / "curriculum" / "backend").glob("[a-z]*/w*.yaml"))
    weeks = [yaml.safe_load(p.read_text()) for p in sources if "specializations" not in str(p)]
    track = out / "corpus"
    (track / "weeks").mkdir(parents=True, exist_ok=True)
    (track / "track.yaml").write_text(
        yaml.safe_dump(
            {
                "format_version": 1,
                "id": "corpus",
                "title": "Benchmark corpus",
                "summary": f"{n} generated modules.",
                "roadmap": "backend",
                "phases": [
                    {"id": "first", "title": "First half", "weeks": [1, n // 2]},
                    {"id": "second", "title": "Second half", "weeks": [n // 2 + 1, n]},
                ],
                "specializations": [],
            },
            sort_keys=False,
        )
    )
    for i in range(1, n + 1):
        w = dict(weeks[(i - 1) % len(weeks)])
        w["id"] = f"c{i:05d}"
        w["week"] = i
        w["phase"] = "first" if i <= n // 2 else "second"
        w["exercises"] = []
        w["prerequisites"] = [f"c{i - 1:05d}"] if i > 1 else []
        w["topics"] = [dict(t, id=f"c{i:05d}-{t['id']}") for t in w["topics"]]
        (track / "weeks" / f"c{i:05d}.yaml").write_text(yaml.safe_dump(w, sort_keys=False))
    print(f"wrote {n} modules to {track}")


if __name__ == "__main__":
    main()
