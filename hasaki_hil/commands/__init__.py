"""One module per sub-command: each exports add_parser and run, and a plain function scripts call."""
