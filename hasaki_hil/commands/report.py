"""The ``report`` command: validation records gathered into one HTML or Markdown report, or JSON."""

from hasaki_hil.commands.options import add_json
from hasaki_hil.report import assemble


def add_parser(sub) -> None:
    p = sub.add_parser("report", help="gather validation records into an HTML or Markdown report")
    p.add_argument("records", nargs="+", metavar="RECORD", help="validation records written by `hasaki-hil test`")
    p.add_argument("-o", "--output", help="report to write: NAME.html (with plots) or NAME.md (tables)")
    add_json(p)
    p.set_defaults(run=lambda args: assemble.report(args.records, args.output), render="report")
