"""Entry point: `python run.py [group=option ...] [key=value ...]`, the same as the `mosaic` command.

The `task` group selects what runs (`task=prepare` builds the tiny world);
`python run.py --help` lists the config groups. See README.md for examples.
"""

from mosaic_exp.cli import main

if __name__ == "__main__":
    main()
