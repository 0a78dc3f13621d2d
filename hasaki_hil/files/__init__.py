"""Safe file handling: atomic writes, checked output paths and versioned JSON documents."""
