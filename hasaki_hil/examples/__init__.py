"""Built-in examples shipped with the package (the demo runs hasaki_hil/examples/smoke)."""
