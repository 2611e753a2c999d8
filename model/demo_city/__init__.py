"""Generators of the demo city: plain Python that plans rows; model.demo writes them to the database."""
