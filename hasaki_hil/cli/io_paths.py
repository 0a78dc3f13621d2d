"""Which options of each command are files it reads and files or folders it writes, so the CLI
refuses a bad output before the command starts (``files/paths.py`` has the rules): a
``train -o`` that is a folder is refused before training, not after minutes of it.

Keys are the attribute names argparse gives the options; the labels are what the user typed.
"""

from hasaki_hil.files import paths

# command: (outputs, inputs, output folders), each {label: attribute}
TABLE = {
    "train": ({"-o": "output"}, {"DATA": "data", "--test-file": "test_file", "--resume": "resume"}, {}),
    "validate": ({"--per-row": "per_row"}, {"MODEL": "model", "DATA": "data"}, {}),
    "import": ({"-o": "output"}, {"HEADER": "header"}, {}),
    "quantize": ({"-o": "output"}, {"MODEL": "model", "--calib": "calib"}, {}),
    "quantize-test": (
        {"-o": "output", "--junit": "junit"},
        {"MODEL": "model", "DATA": "data", "--calib": "calib", "--reference": "reference"},
        {},
    ),
    "export": ({"-o": "output"}, {"VARIANT": "variant"}, {}),
    "build": ({}, {"VARIANT": "variant"}, {"-o": "output"}),
    "test": ({"--record": "record", "--junit": "junit"}, {"VARIANT": "variant", "--vectors": "vectors"}, {}),
    "flash": (
        {},
        {"VARIANT": "variant", "--vectors": "vectors", "--firmware": "firmware", "--record": "record"},
        {"--build-dir": "build_dir"},
    ),
    "report": ({"-o": "output"}, {"RECORD": "records"}, {}),
    "demo": ({}, {}, {"--workdir": "workdir"}),
}


def check(args) -> None:
    """UserError for the first bad output of the parsed command line ``args``."""
    outputs, inputs, folders = TABLE.get(args.command, ({}, {}, {}))
    out = {label: getattr(args, attr, None) for label, attr in outputs.items()}
    if args.command == "train" and args.output:  # the best-so-far side file kept on Ctrl-C
        out["-o's side file"] = f"{args.output}.partial"
    paths.check_outputs(
        out,
        {label: getattr(args, attr, None) for label, attr in inputs.items()},
        {label: getattr(args, attr, None) for label, attr in folders.items()},
    )
