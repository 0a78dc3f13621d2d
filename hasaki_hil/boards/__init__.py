"""The board registry: every supported board as one frozen entry of data."""

from hasaki_hil.boards.registry import BOARDS, DEFAULT, Board, Registry, get, listing

__all__ = ["BOARDS", "DEFAULT", "Board", "Registry", "get", "listing"]
