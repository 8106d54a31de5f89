"""What things are: parameters, scribbles, results, errors. Pure Python + Pillow."""
