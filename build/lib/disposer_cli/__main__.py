"""`python -m disposer_cli`: the operator CLI."""

import sys

from disposer_cli.main import main

sys.exit(main())
