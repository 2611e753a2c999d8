"""IT-Personal: VZÄ per unit and task area, Doppelstrukturen."""
