"""The command line: argument parsing, printing results, and turning errors into exit codes."""
