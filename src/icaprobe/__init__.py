"""icaprobe: probe, from this machine, the connections the Citrix Workspace app would make.

A thin command-line face over the collection's prober engine
(``icaclient.linux`` ``plugins/module_utils/_probe/``), which the package
installs as :mod:`icaprobe._engine` (see ``[tool.setuptools]`` in
pyproject.toml): the ``connection_probe`` module and this CLI run the same code.
"""

__all__ = ["main"]


def main(argv=None) -> int:
    from .cli import main as cli_main

    return cli_main(argv)
