"""C code generation for variants, and the host proof that compiles and runs it on this machine."""
