from sim.cli.console import entry

entry()
