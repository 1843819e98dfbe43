"""`python -m hjdesk.cli`: the same as the `hjdesk` command."""

import sys

from hjdesk.cli.entry import main

sys.exit(main())
