"""`python -m djrefactor` runs the CLI."""

from djrefactor.cli import main

main()
