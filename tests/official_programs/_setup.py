"""How a program finds its offline app-server (stdlib only: programs also run on the
official SDK). The runner puts ``CODEX_PROGRAM_SETUP`` (JSON) in the environment."""

import json
import os

SETUP = json.loads(os.environ["CODEX_PROGRAM_SETUP"])
ENV: dict[str, str] = SETUP["env"]
CWD: str = SETUP["cwd"]
