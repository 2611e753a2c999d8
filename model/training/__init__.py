"""Qualification of the Lotsen: training modules, records, the training matrix."""
