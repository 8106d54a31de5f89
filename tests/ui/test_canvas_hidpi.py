from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_drawing_and_mapping_at_device_pixel_ratio_2() -> None:
    env = {**os.environ, "QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "tests.ui.dpr2_probe"], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["dpr"] == 2.0 and seen["shot_dpr"] == 2.0
    assert seen["shot_width"] == 2 * seen["viewport_width"]
    assert seen["round_trip_error"] < 1e-9
    assert seen["ink_on_document"] == 255
    assert seen["screen_on_stroke"] < 40 and seen["screen_off_stroke"] == 255
