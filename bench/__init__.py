"""`make bench`: address-book scale of the app beside the raw limits of the machine.

`python -m bench --help` lists the options; `bench/README.md` explains what is measured.
"""
