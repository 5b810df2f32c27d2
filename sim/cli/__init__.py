"""The ``negsim`` command line, one module a command."""
