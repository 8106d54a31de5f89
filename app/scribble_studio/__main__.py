import sys

from scribble_studio.cli import main

sys.exit(main())
