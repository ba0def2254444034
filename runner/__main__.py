"""`python -m runner` is the same CLI as `m365-replay`."""

from .cli import main

if __name__ == "__main__":
    main()
