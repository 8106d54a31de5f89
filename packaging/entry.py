"""The bundle's entry point (PyInstaller needs a script, not a console-script name)."""

import sys

from scribble_studio.launcher import main

sys.exit(main())
