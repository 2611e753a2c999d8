"""The Roadmap: measures, their score, bulk edits, ideas of Lotsen, the OZG catalogue."""
