"""The process table from /proc, for the benchmarks' memory figures (Linux only)."""
from __future__ import annotations

import os


def parents() -> dict[int, int]:
    """Every live process's parent pid: {pid: ppid}."""
    out: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                # the command name (in parentheses) may hold spaces: the fields after it are fixed
                out[int(entry.name)] = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return out


def children(pid: int) -> list[int]:
    """The direct children of `pid`."""
    return sorted(child for child, parent in parents().items() if parent == pid)


def descendants(root: int) -> list[int]:
    """`root` and every process below it."""
    table = parents()
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in table.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sorted(tree)
