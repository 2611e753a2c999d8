"""The Lotsen: read models, their commands, counts per unit and date."""
