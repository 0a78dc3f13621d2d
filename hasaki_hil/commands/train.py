"""The ``train`` command: a CSV file in, a float32 model file out (hasaki_hil.train.training does the work)."""

from hasaki_hil.commands.options import (
    add_header_flag,
    add_json,
    nonneg_float,
    nonneg_int,
    positive_float,
    positive_int,
)
from hasaki_hil.train import training

CONFIG_KEYS = (
    "optimizer",
    "lr",
    "momentum",
    "epochs",
    "batch_size",
    "patience",
    "min_delta",
    "lr_decay",
    "dropout",
    "l2",
)


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a float32 model from a CSV file")
    p.add_argument("data", help="training CSV: inputs then labels per row")
    p.add_argument("-o", "--output", required=True, help="model file to write")
    p.add_argument("--arch", help="layer widths, input first, e.g. 12,8,4,1")
    p.add_argument("--act", help="activation per layer, e.g. relu,relu,sigmoid (default: relu..., sigmoid)")
    p.add_argument("--optimizer", choices=["adam", "sgd"], default="adam")
    p.add_argument("--lr", type=positive_float, default=0.005, help="learning rate (default 0.005)")
    p.add_argument("--momentum", type=float, default=0.0, help="SGD momentum (default 0)")
    p.add_argument("--epochs", type=positive_int, default=200, help="maximum epochs (default 200)")
    p.add_argument("--batch-size", type=nonneg_int, default=0, help="0 = automatic from the dataset size")
    p.add_argument("--seed", type=int, default=42, help="same seed and data give identical weights; -1 = random")
    p.add_argument("--patience", type=nonneg_int, default=0, help="early-stopping patience in epochs; 0 = automatic")
    p.add_argument("--min-delta", type=nonneg_float, default=1e-5, help="smallest validation-loss drop that counts")
    p.add_argument("--lr-decay", type=nonneg_float, default=0.0, help="lr / (1 + decay * epoch)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout rate on hidden layers")
    p.add_argument("--l2", type=nonneg_float, default=0.0, help="L2 weight penalty")
    p.add_argument("--test-file", help="validate on this CSV instead of a 20%% hold-out")
    p.add_argument("--resume", metavar="MODEL", help="continue training from this model file")
    p.add_argument(
        "--normalize",
        choices=["none", "minmax"],
        default="none",
        help="input normalisation the device applies (default none: inputs arrive normalised)",
    )
    p.add_argument("--name", help="model name (default: the output file's stem)")
    p.add_argument(
        "--qat",
        choices=["int8", "int8-wo"],
        help="quantisation-aware training for this scheme (usually with --resume to fine-tune)",
    )
    add_header_flag(p)
    add_json(p)
    p.set_defaults(run=run, render="train")


def run(args) -> dict:
    return training.train_file(
        args.data,
        args.output,
        arch=args.arch,
        act=args.act,
        config={k: getattr(args, k) for k in CONFIG_KEYS},
        seed=args.seed,
        test_file=args.test_file,
        header=args.header,
        resume=args.resume,
        normalize=args.normalize,
        qat=args.qat,
        name=args.name,
        show_progress=not args.json,
    )
