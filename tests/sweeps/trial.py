"""A sweep trial the tests run as a real command (never imported).

Takes ``--key value`` params; logs ``loss = (x - 3)^2 + (y + 1)^2 + offset + 1/(step + 1)``
for ``steps`` steps, ``delay * offset`` seconds apart, ending early when the run is asked to stop.
Writes its process id to ``$TRIAL_OUT/<run id>.pid`` as it starts, and what it received
(arguments and environment) to ``$TRIAL_OUT/<run id>.json`` as it ends. With
``$TRIAL_HANG_AFTER=N`` it logs N steps, sends them, writes ``<run id>.hang`` and hangs (for the
killed-agent tests).
"""

import json
import os
import sys
import time
from pathlib import Path

import runway


def main() -> None:
    words = sys.argv[1:]
    params = {words[i][2:]: json.loads(words[i + 1]) for i in range(0, len(words), 2)}
    run = runway.init()
    out = Path(os.environ["TRIAL_OUT"])
    (out / f"{run.id}.pid").write_text(str(os.getpid()))
    hang_after = int(os.environ.get("TRIAL_HANG_AFTER", "-1"))
    env = {k: v for k, v in os.environ.items() if k.startswith("RUNWAY_PARAM_")}
    x, y = float(params.get("x", 3)), float(params.get("y", -1))
    base = (x - 3) ** 2 + (y + 1) ** 2 + float(params.get("offset", 0))
    last = -1
    for step in range(int(params.get("steps", 1))):
        if step == hang_after:
            run.flush(30)
            (out / f"{run.id}.hang").touch()
            time.sleep(600)
        run.log({"loss": base + 1 / (step + 1)}, step=step)
        last = step
        if run.should_stop:
            break
        time.sleep(float(params.get("delay", 0)) * float(params.get("offset", 0)))
    record = {"params": params, "env": env, "last_step": last, "stopped": run.stop_reason}
    (out / f"{run.id}.json").write_text(json.dumps(record))
    run.finish()


main()
