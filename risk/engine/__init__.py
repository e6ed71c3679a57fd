"""The risk engine: catalog structure -> exact probabilities and cut sets -> simulation -> assessment."""
