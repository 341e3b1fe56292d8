"""Subcommands of `ncgh`, one module each; every module defines `command`."""
