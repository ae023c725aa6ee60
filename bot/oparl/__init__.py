"""The forum in OParl 1.1 (issue 21): the mapping of rows to objects (`mapping`) and the routes
(`api`), mounted at `/oparl/v1` when OPARL_ENABLED is set."""
