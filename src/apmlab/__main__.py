"""`python -m apmlab` is the same as the `apmlab` command."""

from apmlab.cli import main

main()
