"""Training the float reference: the numpy training loop and quantisation-aware training."""
