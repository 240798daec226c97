"""Rename detection as `git diff -M` does it, so that the plan shows the pairs git will show.

git's similarity index is the share of the larger file made of bytes the old file kept, counted
in chunks (a line, or 64 bytes when a line is longer; CR of CRLF ignored; a last chunk without a
newline is not counted, as in git 2.39), each chunk known by a hash modulo 107927 (diffcore-
delta.c). Pairs are chosen as diffcore-rename.c chooses them: identical contents first, then
files of the same (unique) name at 75%, then the best-scoring pairs at 50% or more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from djrefactor.model import FileChange

MAX_SCORE = 60_000
MINIMUM_SCORE = MAX_SCORE // 2  # git's default -M50%
BASENAME_SCORE = MINIMUM_SCORE + MAX_SCORE // 4  # halfway to 100%: 75%
CANDIDATES = 4  # git's NUM_CANDIDATE_PER_DST
_HASHBASE = 107_927
_MASK = 0xFFFFFFFF


def _chunks(data: bytes) -> dict[int, int]:
    """Bytes per chunk hash (diffcore-delta.c's hash_chars)."""
    counts: dict[int, int] = {}
    count = accum1 = accum2 = 0
    last = len(data) - 1
    for index, byte in enumerate(data):
        if byte == 13 and index < last and data[index + 1] == 10:
            continue
        previous = accum1
        accum1 = (((accum1 << 7) ^ (accum2 >> 25)) + byte) & _MASK
        accum2 = ((accum2 << 7) ^ (previous >> 25)) & _MASK
        count += 1
        if count < 64 and byte != 10:
            continue
        key = ((accum1 + accum2 * 0x61) & _MASK) % _HASHBASE
        counts[key] = counts.get(key, 0) + count
        count = accum1 = accum2 = 0
    return counts


def score(old: bytes, new: bytes, minimum: int = MINIMUM_SCORE) -> int:
    """git's rename score (0..60000) of `new` as a rename of `old`; 0 when their sizes differ
    too much for `minimum` (diffcore-rename.c's estimate_similarity)."""
    if old == new:
        return MAX_SCORE
    largest, smallest = max(len(old), len(new)), min(len(old), len(new))
    if largest * (MAX_SCORE - minimum) < (largest - smallest) * MAX_SCORE:
        return 0
    kept = _chunks(new)
    copied = sum(min(size, kept.get(key, 0)) for key, size in _chunks(old).items())
    return copied * MAX_SCORE // largest


def similarity(old: str, new: str) -> int:
    """The percentage `git diff -M` prints as `similarity index N%`."""
    return score(old.encode("utf-8"), new.encode("utf-8"), 0) * 100 // MAX_SCORE


@dataclass
class _Side:
    path: str
    text: str
    data: bytes
    mode: str
    used: bool = False


def pair_renames(changes: Sequence[FileChange]) -> tuple[FileChange, ...]:
    """`changes` as git pairs them: every deleted file that git would call renamed is joined to
    the created file it became (an asked-for move git would not pair becomes delete + create).
    Files whose modes differ stay apart (a FileChange has one mode). An opaque file (one
    djrefactor does not read) is only ever renamed whole, and git pairs it as such."""
    kept = [change for change in changes if change.kind == "edit" or change.opaque]
    sources, targets = [], []
    for c in changes:
        if c.opaque:
            continue
        if c.old_path is not None and c.old_path != c.new_path:
            sources.append(_Side(c.old_path, c.old_text, c.old_text.encode(), c.mode))
        if c.new_path is not None and c.old_path != c.new_path:
            targets.append(_Side(c.new_path, c.new_text, c.new_text.encode(), c.mode))
    sources.sort(key=lambda side: side.path)
    targets.sort(key=lambda side: side.path)
    pairs = _exact(sources, targets)
    pairs += _same_name(sources, targets)
    pairs += _best(sources, targets)
    for source, target in pairs:
        kept.append(FileChange(source.path, target.path, source.text, target.text, source.mode))
    kept += [FileChange(s.path, None, s.text, "", s.mode) for s in sources if not s.used]
    kept += [FileChange(None, t.path, "", t.text, t.mode) for t in targets if not t.used]
    return tuple(kept)


def _basename(side: _Side) -> str:
    return PurePosixPath(side.path).name


def _pair(source: _Side, target: _Side) -> tuple[_Side, _Side]:
    source.used = target.used = True
    return source, target


def _exact(sources: list[_Side], targets: list[_Side]) -> list[tuple[_Side, _Side]]:
    """Identical contents; among several, the first of the same name, else the first."""
    pairs = []
    for target in targets:
        same = [s for s in sources if not s.used and (s.data, s.mode) == (target.data, target.mode)]
        if same:
            named = [s for s in same if _basename(s) == _basename(target)]
            pairs.append(_pair((named or same)[0], target))
    return pairs


def _same_name(sources: list[_Side], targets: list[_Side]) -> list[tuple[_Side, _Side]]:
    """A file name that only one deleted and one created file have, at 75% or more."""

    def unique(sides: list[_Side]) -> dict[str, _Side]:
        seen: dict[str, _Side | None] = {}
        for side in sides:
            name = _basename(side)
            seen[name] = None if name in seen else side
        return {name: side for name, side in seen.items() if side is not None}

    named_targets = unique([t for t in targets if not t.used])
    pairs = []
    for name, source in unique([s for s in sources if not s.used]).items():
        target = named_targets.get(name)
        if target is None or source.mode != target.mode:
            continue
        if score(source.data, target.data, BASENAME_SCORE) >= BASENAME_SCORE:
            pairs.append(_pair(source, target))
    return pairs


def _best(sources: list[_Side], targets: list[_Side]) -> list[tuple[_Side, _Side]]:
    """The best candidates of each created file, most similar pairs first (ties: same name)."""
    ranked: list[tuple[int, int, _Side, _Side]] = []
    for target in targets:
        if target.used:
            continue
        candidates: list[tuple[int, int, _Side, _Side]] = []
        for source in sources:
            if source.used or source.mode != target.mode:
                continue
            found = (
                score(source.data, target.data),
                int(_basename(source) == _basename(target)),
                source,
                target,
            )
            _keep_if_better(candidates, found)
        ranked += candidates
    ranked.sort(key=lambda candidate: (-candidate[0], -candidate[1]))  # stable, like git's
    pairs = []
    for best, _, source, target in ranked:
        if best < MINIMUM_SCORE:
            break
        if not source.used and not target.used:
            pairs.append(_pair(source, target))
    return pairs


def _keep_if_better(
    candidates: list[tuple[int, int, _Side, _Side]], found: tuple[int, int, _Side, _Side]
) -> None:
    """git's record_if_better: keep the best CANDIDATES, replacing the first worst one."""
    if len(candidates) < CANDIDATES:
        candidates.append(found)
        return
    worst = 0
    for index in range(1, CANDIDATES):
        if candidates[index][:2] < candidates[worst][:2]:
            worst = index
    if found[:2] > candidates[worst][:2]:
        candidates[worst] = found
