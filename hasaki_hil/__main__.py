"""``python -m hasaki_hil``: the same as the hasaki-hil command."""

from hasaki_hil.cli.main import entry

entry()
