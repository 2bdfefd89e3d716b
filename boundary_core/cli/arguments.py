"""Arguments more than one command takes, defined once."""

from boundary_core.methods import DEFAULT_METHODS, methods_help


def add_methods_argument(parser) -> None:
    """``--methods``: method names from the method table (parsed by ``methods.parse_methods``)."""
    parser.add_argument(
        "--methods",
        nargs="+",
        default=list(DEFAULT_METHODS),
        metavar="METHOD",
        help=methods_help(),
    )
