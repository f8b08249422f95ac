"""Each business definition written once: a revenue gift and how gifts are counted (gifts), an appeal and its
series, year, wave and fiscal year (appeals, fiscal_years), every rate by its own name (rates), a likely machine
open (machine_opens), a mailbox provider (mailbox_providers) and a link without its tracking tags (links). Every
other module and page names these; tests/unit/test_one_definition.py fails when a predicate is written anywhere
else."""
