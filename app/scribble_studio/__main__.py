import sys

from scribble_studio.launcher import main

sys.exit(main())
