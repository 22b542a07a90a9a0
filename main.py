"""Entry point: `python main.py ...` is the same program as the installed `kiosk` command."""

import sys

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main())
