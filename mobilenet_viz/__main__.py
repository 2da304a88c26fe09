"""`python -m mobilenet_viz ...`: see mobilenet_viz.cli."""

import sys

from mobilenet_viz.cli import main

sys.exit(main())
