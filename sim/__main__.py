import sys

try:
    from sim.cli.main import entry
except KeyboardInterrupt:  # Ctrl-C while negsim starts: one line, as later (sim.cli.main)
    print("negsim: interrupted", file=sys.stderr)
    sys.exit(130)

entry()
