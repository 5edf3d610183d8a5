"""`python -m etl …`: the ETL command line."""

from etl.cli import main

main()
