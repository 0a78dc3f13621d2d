"""Models and variants: the float MLP, the deployed variant, their files and Hasaki header import."""
