"""TinRadar review desk: a server-rendered web app where the board records verdicts (see docs/review.md)."""

from flows.review.app import create_app

__all__ = ["create_app"]
