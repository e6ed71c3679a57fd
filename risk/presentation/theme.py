"""One look for every output: the palette, the rating-band colours and the 5x5 matrix's axis labels.

The dashboard (plotly), the PDF (matplotlib and fpdf2), the HTML report and the terminal all read these,
so a band is the same colour and an axis the same words wherever a person meets them.
"""

from __future__ import annotations

__all__ = [
    "PALETTE",
    "BANDS",
    "BAND_COLOURS",
    "BAND_RGB",
    "TERMINAL_BAND_COLOURS",
    "LIKELIHOOD_LABELS",
    "IMPACT_LABELS",
    "LIKELIHOOD_AXIS",
    "IMPACT_AXIS",
    "RISK_MATRIX_TITLE",
    "rgb",
]

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
BANDS = ("low", "moderate", "high", "extreme")
BAND_COLOURS = {"low": "#009E73", "moderate": "#F0E442", "high": "#E69F00", "extreme": "#D55E00"}
TERMINAL_BAND_COLOURS = {"low": "green", "moderate": "yellow", "high": "dark_orange", "extreme": "red"}
LIKELIHOOD_LABELS = ("1 rare", "2 unlikely", "3 possible", "4 likely", "5 almost certain")
IMPACT_LABELS = ("1 minimal", "2 minor", "3 moderate", "4 major", "5 catastrophic")
LIKELIHOOD_AXIS = "likelihood of an outage beyond tolerance"
IMPACT_AXIS = "impact"
RISK_MATRIX_TITLE = "Risk matrix (services per cell)"


def rgb(colour: str) -> tuple[int, int, int]:
    """'#D55E00' -> (213, 94, 0), for libraries that want numbers."""
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


BAND_RGB = {name: rgb(colour) for name, colour in BAND_COLOURS.items()}
