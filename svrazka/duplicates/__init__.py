"""Finding likely duplicate people and organisations within a workspace (issue 5).

``names`` knows given-name variants and legal-form words, ``matching`` compares two records,
``scan`` finds the likely pairs of a whole workspace and the candidates for a new record.
"""
