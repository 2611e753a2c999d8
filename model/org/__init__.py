"""The organisation: units as a tree, their place in it, the scope of queries, coverage by Lotsen."""
