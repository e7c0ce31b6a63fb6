"""``python -m ganaug.cli ...`` (what torchrun launches): the ``ganaug`` command."""

from ganaug.cli.main import main

raise SystemExit(main())
