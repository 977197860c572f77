"""Offline stand-in for the pip bootstrap script ansible-test downloads.

ansible-test fetches ``get-pip-<version>.py`` from a host this network cannot
reach. This stand-in bootstraps pip with the interpreter's own ``ensurepip`` and
then installs what ansible-test asked for from the configured package index.
scripts/test.sh copies it to ~/.ansible/test/cache/get_pip_<version>.py.
"""

import subprocess
import sys

DROPPED = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    args = [arg for arg in sys.argv[1:] if arg not in DROPPED]
    subprocess.check_call([sys.executable, "-m", "pip", "install", *args])


if __name__ == "__main__":
    main()
