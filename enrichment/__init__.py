"""Who they are: company, position, profile and "connected on" from the member's LinkedIn
data archive (`Connections.csv`), joined to an address book.
"""
