"""The deadline alarm thread: a start that fails once (no memory for a thread for now) is tried again.

Otherwise every later deadline of the process would never fire, and a server
that drips its answer would hold a request for ever.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc: Linux")

SCRIPT = textwrap.dedent(
    """
    import resource, threading
    from decentsocial import alarm

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (size + 1024 * 1024, hard))  # no room for a thread's stack
    try:
        alarm.schedule(0.01, lambda: None)
        print("started")
    except RuntimeError:
        print("refused")
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    fired = threading.Event()
    alarm.schedule(0.01, fired.set)
    print(fired.wait(30))
    """
)


def test_alarms_fire_after_the_alarm_thread_could_not_start_once() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    first, fired = done.stdout.split()
    if first != "refused":
        pytest.skip("this machine started the thread even without room for its stack")
    assert fired == "True"
