"""Sub-commands of the `cobudget` command line (see `cobudget.cli`)."""
