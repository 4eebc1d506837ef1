"""Run a module as `python -m` would and record its own peak resident memory.

`ru_maxrss` of a child is no good for this: Linux carries the peak of the address space a
process had before `exec` into it, and Python starts children with vfork, whose address space
before exec is the parent's. A 20,000-contact migration started by a benchmark process that had
grown to 260 MB reported 260 MB. `VmHWM` in /proc/self/status is the peak of the process's own
address space since exec: written at exit to the file named by BENCH_PEAK_FILE.

    python -m bench.peak syncer migrate -c FILE
"""

from __future__ import annotations

import os
import runpy
import sys


def _peak_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    module, sys.argv = sys.argv[1], [sys.argv[1], *sys.argv[2:]]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        target = os.environ.get("BENCH_PEAK_FILE")
        if target:
            with open(target, "w") as out:
                out.write(str(_peak_kib()))


if __name__ == "__main__":
    main()
